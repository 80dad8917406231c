import { describe, expect, it } from 'vitest';
import { fromLocalInput, mapHref, readableOn, retryIn, telHref, toLocalInput } from './format';

describe('format', () => {
  it('picks readable text on brand colors', () => {
    expect(readableOn('#ffffff')).toBe('#000000');
    expect(readableOn('#0f766e')).toBe('#ffffff');
    expect(readableOn('#facc15')).toBe('#000000');
    expect(readableOn('nonsense')).toBe('#ffffff');
  });

  it('round-trips datetime-local values', () => {
    const iso = fromLocalInput('2030-05-14T09:30');
    expect(iso).not.toBeNull();
    expect(toLocalInput(iso)).toBe('2030-05-14T09:30');
    expect(fromLocalInput('')).toBeNull();
    expect(toLocalInput(null)).toBe('');
  });

  it('says when to try again, in round units', () => {
    expect([null, 1, 45, 60, 61, 3599, 5400, 7200].map(retryIn)).toEqual([
      'in a while',
      'in a second',
      'in 45 seconds',
      'in a minute',
      'in 2 minutes',
      'in 60 minutes',
      'in 2 hours',
      'in 2 hours',
    ]);
  });

  it('builds tap-to-call and tap-to-map links', () => {
    expect(telHref('+1 (555) 010-0')).toBe('tel:+15550100');
    expect(mapHref('12 Quay Rd, Springfield')).toContain('12%20Quay%20Rd%2C%20Springfield');
  });
});
