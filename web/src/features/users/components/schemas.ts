import { EMAIL, z } from '@/lib/validation';

// Mirrors CreateUser / UpdateUser in src/http/users.rs and the users table's
// customer-link check (CUSTOMER users, and only they, have a customer, and
// may be one of its contacts: '' is none).
const name = z.string().check(z.trim(), z.minLength(1, 'Name is required'), z.maxLength(200, 'Must be 1 to 200 characters'));
const email = z.string().check(z.trim(), z.maxLength(254, 'Email is too long'), z.regex(EMAIL, 'Enter a valid email address'));
const password = z.string().check(z.minLength(8, 'Must be 8 to 128 characters'), z.maxLength(128, 'Must be 8 to 128 characters'));
const role = z.enum(['ADMIN', 'WORKER', 'CUSTOMER']);

const customerLink = z.refine<{ role: string; customer_id: string }>((v) => v.role !== 'CUSTOMER' || v.customer_id !== '', {
  message: 'Choose the customer this login is for',
  path: ['customer_id'],
});

const contactOf = (v: { role: string; contact_id: string }) => (v.role === 'CUSTOMER' && v.contact_id !== '' ? v.contact_id : null);

// Staff may be scoped to a branch ('' is company-wide); customer logins never are.
const branchOf = (v: { role: string; branch_id: string }) => (v.role !== 'CUSTOMER' && v.branch_id !== '' ? v.branch_id : null);

export const createUserSchema = z.pipe(
  z.object({ name, email, password, role, customer_id: z.string(), contact_id: z.string(), branch_id: z.string() }).check(customerLink),
  z.transform(
    (v: { name: string; email: string; password: string; role: 'ADMIN' | 'WORKER' | 'CUSTOMER'; customer_id: string; contact_id: string; branch_id: string }) => ({
      ...v,
      customer_id: v.role === 'CUSTOMER' ? v.customer_id : null,
      contact_id: contactOf(v),
      branch_id: branchOf(v),
    }),
  ),
);

export const updateUserSchema = z.pipe(
  z
    .object({ name, email, password: z.union([z.literal(''), password]), role, customer_id: z.string(), contact_id: z.string(), branch_id: z.string(), is_active: z.boolean() })
    .check(customerLink),
  z.transform(
    ({
      password: pw,
      ...v
    }: {
      name: string;
      email: string;
      password: string;
      role: 'ADMIN' | 'WORKER' | 'CUSTOMER';
      customer_id: string;
      contact_id: string;
      branch_id: string;
      is_active: boolean;
    }) => ({
      ...v,
      customer_id: v.role === 'CUSTOMER' ? v.customer_id : null,
      contact_id: contactOf(v),
      branch_id: branchOf(v),
      ...(pw ? { password: pw } : {}),
    }),
  ),
);
