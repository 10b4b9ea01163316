import { describe, expect, it } from 'vitest';
import { MethodPermissions } from './method-permissions.js';

describe('MethodPermissions', () => {
  it('patterns from the claim: exact, prefix*, *; no claim or a non-list grants nothing', () => {
    const some = MethodPermissions.fromClaim(['orders.*', 'users.get', 42]);
    expect(['orders.create', 'orders.get', 'users.get', 'users.delete', 'ordersx'].map((m) => some.canCall(m))).toEqual([true, true, true, false, false]);
    expect(MethodPermissions.fromClaim(['*']).canCall('anything')).toBe(true);
    expect(MethodPermissions.fromClaim(undefined).canCall('orders.create')).toBe(false);
    expect(MethodPermissions.fromClaim('orders.*').canCall('orders.create')).toBe(false);
    expect(MethodPermissions.unrestricted().canCall('x')).toBe(true);
  });
});
