// What the signed-in member's role allows, as /auth/me (and the sign-in) name
// it. Only for showing: the database refuses the rest whatever is shown, and
// a permission taken away meanwhile still ends in the API's 403.
import { useAuthed } from './useSession';

/** A permission of the catalogue, `resource.action` (GET /permissions). */
export type PermissionName = string;

/** Whether the signed-in member's role holds `permission`. */
export function useCan(permission: PermissionName | undefined): boolean {
  const { user } = useAuthed();
  return permission === undefined || user.permissions.includes(permission);
}

/** The signed-in member's permissions, to ask about many at once. */
export function useHeldPermissions(): ReadonlySet<PermissionName> {
  return new Set(useAuthed().user.permissions);
}
