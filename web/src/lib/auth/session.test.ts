import { describe, expect, it } from 'vitest';
import { homeFor, roleFromToken, session } from './session';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.s`;

describe('session', () => {
  it('reads the role from the token', () => {
    expect(roleFromToken(jwt({ role: 'WORKER', sub: 'x' }))).toBe('WORKER');
    expect(roleFromToken(jwt({ role: 'ROOT' }))).toBeNull();
    expect(roleFromToken('garbage')).toBeNull();
  });

  it('the token, not the profile, decides the role', () => {
    session.signIn(jwt({ role: 'CUSTOMER' }), {
      id: 'u',
      name: 'n',
      email: 'e',
      role: 'ADMIN',
      role_id: 'role-admin',
      role_name: 'Admin',
      permissions: [],
      customer_id: 'c',
      company: { id: 'c', name: 'Acme', slug: 'acme', color: '#000000' },
    });
    const state = session.get();
    expect(state.status === 'authenticated' && state.role).toBe('CUSTOMER');
    session.signOut();
    expect(session.token()).toBeNull();
  });

  it('each role has its landing surface', () => {
    expect(homeFor('ADMIN')).toBe('/admin/jobs');
    expect(homeFor('WORKER')).toBe('/worker');
    expect(homeFor('CUSTOMER')).toBe('/portal');
  });

  it('never touches web storage', () => {
    session.signIn(jwt({ role: 'ADMIN' }), {
      id: 'u',
      name: 'n',
      email: 'e',
      role: 'ADMIN',
      role_id: 'role-admin',
      role_name: 'Admin',
      permissions: [],
      customer_id: null,
      company: { id: 'c', name: 'Acme', slug: 'acme', color: '#000000' },
    });
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });
});
