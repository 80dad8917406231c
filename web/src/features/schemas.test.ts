// The client-side form rules mirror the server's; these pin the edges.
import { describe, expect, it } from 'vitest';
import { zodErrors } from '@/lib/forms';
import { loginSchema } from './auth/components/loginSchema';
import { newPasswordSchema, passwordResetSchema } from './auth/components/passwordResetSchema';
import { customFieldSchema, parseOptions } from './customFields/components/schemas';
import { signupSchema, slugFrom } from './companySignup/components/schemas';
import { communicationSchema, contactSchema, customerSchema, locationSchema } from './customers/components/schemas';
import { jobFormSchema } from './jobs/components/schemas';
import { messageSchema } from './messages/components/schemas';
import { noteSchema } from './notes/components/schemas';
import { registrationSchema } from './portalSignup/components/schemas';
import { statusSchema } from './statuses/components/schemas';
import { branchSchema } from './branches/components/schemas';
import { createUserSchema, updateUserSchema } from './users/components/schemas';

const errorsOf = (schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? {} : zodErrors(result.error as never);
};

describe('form schemas', () => {
  it('login: trims and lower-cases the company', () => {
    expect(loginSchema.parse({ company: ' ACME ', email: ' a@b.c ', password: 'x' })).toEqual({ company: 'acme', email: 'a@b.c', password: 'x' });
    // The company is optional: a person of several picks after signing in.
    expect(Object.keys(errorsOf(loginSchema, { company: '', email: '', password: '' }))).toEqual(['email', 'password']);
  });

  it('password reset: the same company and email rules as sign-in; a new password is required', () => {
    expect(passwordResetSchema.parse({ company: ' ACME ', email: ' a@b.c ' })).toEqual({ company: 'acme', email: 'a@b.c' });
    expect(Object.keys(errorsOf(passwordResetSchema, { company: '', email: '' }))).toEqual(['company', 'email']);
    expect(errorsOf(newPasswordSchema, { new_password: '' })).toEqual({ new_password: ['Choose a new password'] });
    expect(errorsOf(newPasswordSchema, { new_password: 'x'.repeat(1025) })).toEqual({ new_password: ['Must be at most 1024 characters'] });
  });

  it('custom field: a slug-like key, a label, one of the types; options one per line', () => {
    const base = { key: 'po_number', label: ' PO ', field_type: 'text', options: [], is_required: false, visible_to_workers: false, visible_to_customers: true };
    expect(customFieldSchema.parse(base)).toEqual({ ...base, label: 'PO' });
    expect(Object.keys(errorsOf(customFieldSchema, { ...base, key: 'PO Number', label: '', field_type: 'colour' }))).toEqual(['key', 'label', 'field_type']);
    expect(errorsOf(customFieldSchema, { ...base, key: 'x'.repeat(41) })).toHaveProperty('key');
    expect(parseOptions(' low\n\nhigh \nlow\n')).toEqual(['low', 'high']);
  });

  it('customer: empty optional fields become null; formats as in the table checks', () => {
    expect(customerSchema.parse({ name: ' Harbor ', email: '', phone: '', address: '  ' })).toEqual({ name: 'Harbor', email: null, phone: null, address: null });
    expect(errorsOf(customerSchema, { name: '', email: 'nope', phone: 'call me', address: 'x'.repeat(501) })).toEqual({
      name: ['Name is required'],
      email: ['Enter a valid email address'],
      phone: ['Enter a phone number (digits, spaces, + ( ) . / -)'],
      address: ['Address must be at most 500 characters'],
    });
    expect(customerSchema.parse({ name: 'A', email: 'a@b.co', phone: '+1 (555) 010-0', address: '' }).phone).toBe('+1 (555) 010-0');
  });

  it('customer page: location, contact and log entry as the tables check them', () => {
    const blank = { line2: '', region: '', gate_code: '', access_notes: '' };
    expect(locationSchema.parse({ ...blank, name: ' Annex ', line1: '', city: ' Dover ', postal_code: '', gate_code: ' 4321# ' })).toEqual({
      name: 'Annex', line1: null, line2: null, city: 'Dover', region: null, postal_code: null, gate_code: '4321#', access_notes: null,
    });
    expect(
      errorsOf(locationSchema, { ...blank, name: '', line1: 'x'.repeat(501), line2: 'x'.repeat(201), city: '', postal_code: 'x'.repeat(21), gate_code: 'x'.repeat(101), access_notes: 'x'.repeat(2001) }),
    ).toEqual({
      name: ['Name is required'],
      line1: ['Street must be at most 500 characters'],
      line2: ['Line 2 must be at most 200 characters'],
      postal_code: ['Postal code must be at most 20 characters'],
      gate_code: ['Gate code must be at most 100 characters'],
      access_notes: ['Access notes must be at most 2000 characters'],
    });
    expect(errorsOf(contactSchema, { name: 'P', title: '', mobile: 'call me', email: 'nope' })).toEqual({
      mobile: ['Enter a phone number (digits, spaces, + ( ) . / -)'],
      email: ['Enter a valid email address'],
    });
    expect(communicationSchema.parse({ channel: 'visit', direction: 'inbound', summary: ' On site ' }).summary).toBe('On site');
    expect(Object.keys(errorsOf(communicationSchema, { channel: 'fax', direction: 'sideways', summary: ' ' }))).toEqual(['channel', 'direction', 'summary']);
    expect(errorsOf(communicationSchema, { channel: 'call', direction: 'inbound', summary: 'x'.repeat(5001) })).toEqual({ summary: ['Summary must be at most 5000 characters'] });
  });

  it('users: 8–128 character passwords; a customer login needs its customer', () => {
    const base = { name: 'Pat', email: 'pat@acme.example', password: 'long-enough', role: 'WORKER', customer_id: 'ignored', contact_id: 'ignored', branch_id: '' };
    expect(createUserSchema.parse(base)).toMatchObject({ role: 'WORKER', customer_id: null });
    expect(errorsOf(createUserSchema, { ...base, password: 'short' })).toEqual({ password: ['Must be 8 to 128 characters'] });
    expect(errorsOf(createUserSchema, { ...base, role: 'CUSTOMER', customer_id: '' })).toEqual({ customer_id: ['Choose the customer this login is for'] });
    expect(updateUserSchema.parse({ ...base, password: '', is_active: false })).not.toHaveProperty('password');
    expect(updateUserSchema.parse({ ...base, password: 'new-password', is_active: true })).toHaveProperty('password', 'new-password');
    // A customer login may be one of its customer's contacts; '' is none, and only customer logins have one.
    expect(createUserSchema.parse(base)).toMatchObject({ contact_id: null });
    const customer = { ...base, role: 'CUSTOMER', customer_id: 'c1' };
    expect(createUserSchema.parse({ ...customer, contact_id: '' })).toMatchObject({ contact_id: null });
    expect(createUserSchema.parse({ ...customer, contact_id: 'k1' })).toMatchObject({ customer_id: 'c1', contact_id: 'k1' });
    expect(updateUserSchema.parse({ ...base, contact_id: 'k1', password: '', is_active: true })).toMatchObject({ contact_id: null });
    // Staff may be scoped to a branch ('' is company-wide); a customer login never is.
    expect(createUserSchema.parse(base)).toMatchObject({ branch_id: null });
    expect(createUserSchema.parse({ ...base, branch_id: 'b1' })).toMatchObject({ branch_id: 'b1' });
    expect(createUserSchema.parse({ ...customer, branch_id: 'b1' })).toMatchObject({ branch_id: null });
    expect(updateUserSchema.parse({ ...base, branch_id: 'b1', password: '', is_active: true })).toMatchObject({ branch_id: 'b1' });
  });

  it('branches: a name of 1 to 100 characters, an optional address, a #rrggbb colour', () => {
    expect(branchSchema.parse({ name: ' North ', address: ' ', color: '#1D4ED8' })).toEqual({ name: 'North', address: null, color: '#1D4ED8' });
    expect(errorsOf(branchSchema, { name: ' ', address: 'x'.repeat(501), color: 'blue' })).toEqual({
      name: ['Name is required'],
      address: ['Address must be at most 500 characters'],
      color: ['Color must look like #1a2b3c'],
    });
    expect(errorsOf(branchSchema, { name: 'x'.repeat(101), address: '', color: '#000000' })).toEqual({ name: ['Name must be at most 100 characters'] });
  });

  it('jobs, notes and statuses', () => {
    const job = { customer_id: 'c', title: '  Fix  ', description: '', status_id: '', assigned_worker_id: '', scheduled_at: '', tasks: ['a'] };
    expect(jobFormSchema.parse(job).title).toBe('Fix');
    expect(errorsOf(jobFormSchema, { ...job, customer_id: '', title: ' ', tasks: ['x'.repeat(201)] })).toEqual({
      customer_id: ['Choose a customer'],
      title: ['Title is required'],
      tasks: ['Task must be at most 200 characters'],
    });
    expect(errorsOf(noteSchema, { body: '   ', visibility: 'internal' })).toEqual({ body: ['Note is required'] });
    expect(errorsOf(messageSchema, { body: ' ', internal: false })).toEqual({ body: ['Message is required'] });
    expect(errorsOf(messageSchema, { body: 'x'.repeat(5001), internal: true })).toEqual({
      body: ['Message must be at most 5000 characters'],
    });
    expect(errorsOf(statusSchema, { name: 'x'.repeat(61), color: 'red', is_final: false, requires_tasks_done: false })).toEqual({
      name: ['Name must be at most 60 characters'],
      color: ['Color must look like #1a2b3c'],
    });
  });
  it('portal registration: name, email and password required; terms accepted; empty phone and address become null', () => {
    const valid = { name: ' Rita ', email: ' rita@home.test ', phone: ' ', address: '', password: 'x', accept_terms: 'on' };
    expect(registrationSchema.parse(valid)).toEqual({
      name: 'Rita', email: 'rita@home.test', phone: null, address: null, password: 'x', accept_terms: 'on',
    });
    expect(Object.keys(errorsOf(registrationSchema, { name: '', email: '', phone: '', address: '', password: '' }))).toEqual([
      'name', 'email', 'password', 'accept_terms',
    ]);
    expect(errorsOf(registrationSchema, { ...valid, phone: 'x'.repeat(51) })).toEqual({ phone: ['Must be at most 50 characters'] });
  });

  it('company sign-up: an optional short name as companies check it; the server makes one of the name otherwise', () => {
    const valid = { company_name: ' Harbor HVAC ', slug: ' ', name: ' Olga ', email: ' olga@harbor.test ', password: 'x', accept_terms: 'on', website: '' };
    expect(signupSchema.parse(valid)).toEqual({
      company_name: 'Harbor HVAC', slug: null, name: 'Olga', email: 'olga@harbor.test', password: 'x', accept_terms: 'on', website: null,
    });
    expect(signupSchema.parse({ ...valid, website: 'http://spam.example' }).website).toBe('http://spam.example');
    expect(signupSchema.parse({ ...valid, slug: ' Harbor-2 ' }).slug).toBe('harbor-2');
    for (const slug of ['-harbor', 'harbor-', 'har bor', 'x'.repeat(56)]) expect(errorsOf(signupSchema, { ...valid, slug })).toHaveProperty('slug');
    expect(errorsOf(signupSchema, { ...valid, slug: 'x'.repeat(55) })).toEqual({});
    expect(Object.keys(errorsOf(signupSchema, { company_name: '', slug: '', name: '', email: 'olga', password: '' }))).toEqual([
      'company_name', 'name', 'email', 'password', 'accept_terms',
    ]);
    expect(errorsOf(signupSchema, { ...valid, company_name: 'x'.repeat(201) })).toEqual({ company_name: ['Must be at most 200 characters'] });

    // The cases of requested_slug's own test (src/http/signup.rs).
    expect(slugFrom('Acme Plumbing & Heating')).toBe('acme-plumbing-heating');
    expect(slugFrom('Müller Sanitär GmbH')).toBe('muller-sanitar-gmbh');
    expect(slugFrom('!!!')).toBe('company');
    expect(slugFrom('Admin')).toBe('company-admin');
    expect(slugFrom('Signup-Team')).toBe('company-signup-team');
    expect(slugFrom('Straße & Søn')).toBe('strasse-son');
    expect(slugFrom(`${'a'.repeat(54)} b`)).toBe('a'.repeat(54));
  });
});
