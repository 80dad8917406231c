-- Share links show where the work is (issue #16): the job's service location,
-- its name, address and coordinates, for the customer who opens the link.
-- The gate code and access notes stay out: they live in
-- app.service_location_access, which the function does not read.

create or replace function auth.open_share_link(p_company_id uuid, p_token_hash bytea, p_user_agent text)
returns jsonb
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_company_id uuid := p_company_id;
  v_link app.share_links%rowtype;
  v_view jsonb;
begin
  if v_company_id is null then
    select l.company_id into v_company_id from app.share_links l where l.token_hash = p_token_hash;
  end if;
  select * into v_link from app.share_links l
  where l.company_id = v_company_id and l.token_hash = p_token_hash
    and l.revoked_at is null and l.expires_at > now();
  if not found then
    return null;
  end if;

  select jsonb_build_object(
    'title', j.title,
    'description', j.description,
    'scheduled_at', j.scheduled_at,
    'completed_at', j.completed_at,
    'status', jsonb_build_object('name', s.name, 'color', s.color, 'is_final', s.is_final),
    'worker_name', w.name,
    'company', jsonb_build_object('name', c.name, 'color', c.color),
    'expires_at', v_link.expires_at,
    -- Where the work is: name, address and coordinates. Never the gate code
    -- or access notes (app.service_location_access, which this does not read).
    'location', (
      select jsonb_build_object('name', l.name, 'line1', l.line1, 'line2', l.line2, 'city', l.city,
                                'region', l.region, 'postal_code', l.postal_code, 'country', l.country,
                                'latitude', l.latitude, 'longitude', l.longitude)
      from app.service_locations l
      where l.company_id = j.company_id and l.id = j.service_location_id),
    'tasks', coalesce((
      select jsonb_agg(jsonb_build_object('title', t.title, 'is_completed', t.is_completed)
                       order by t.position, t.id)
      from app.job_tasks t where t.company_id = j.company_id and t.job_id = j.id), '[]'::jsonb),
    'notes', coalesce((
      select jsonb_agg(jsonb_build_object('body', n.body, 'created_at', n.created_at)
                       order by n.created_at, n.id)
      from app.job_notes n
      where n.company_id = j.company_id and n.job_id = j.id and n.visibility = 'customer'), '[]'::jsonb),
    -- From the customer projection only: what a customer may see.
    'custom_fields', coalesce((
      select jsonb_agg(jsonb_build_object('key', d.key, 'label', d.label, 'field_type', d.field_type,
                                          'value', j.customer_custom_fields -> d.key)
                       order by d.position, d.key)
      from app.custom_field_definitions d
      where d.company_id = j.company_id and d.entity = 'job' and d.visible_to_customers
        and not d.is_archived and j.customer_custom_fields ? d.key), '[]'::jsonb)
  ) into v_view
  from app.jobs j
  join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id
  join app.companies c on c.id = j.company_id
  join app.customers cu on cu.company_id = j.company_id and cu.id = j.customer_id
  left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id
  where j.company_id = v_link.company_id and j.id = v_link.job_id
    and not j.is_archived
    and j.customer_id = v_link.customer_id
    and cu.deleted_at is null
    and c.is_active;

  if v_view is null then
    return null;
  end if;

  insert into app.share_link_opens (company_id, share_link_id, user_agent)
  values (v_link.company_id, v_link.id, left(p_user_agent, 500));
  update app.share_links l set open_count = l.open_count + 1, last_opened_at = now()
  where l.company_id = v_link.company_id and l.id = v_link.id;

  return v_view;
end
$$;
