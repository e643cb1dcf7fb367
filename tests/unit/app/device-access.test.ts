import { describe, expect, it } from 'vitest';
import { BUILT_IN_SIM_IDS, deviceAccessLine } from '../../../app/device-access.ts';

describe('the start line about device access', () => {
  it('says how to add a device when anonymous is off and none has credentials', () => {
    const line = deviceAccessLine({ anonymous: false, credentialsFile: '/d/devices.passwd', devices: 0 });
    expect(line).toContain('npm run device:add -- <id>');
    expect(line).not.toContain('\n');
  });

  it('names the count otherwise', () => {
    expect(deviceAccessLine({ anonymous: false, credentialsFile: '/d/devices.passwd', devices: 2 })).toMatch(/^2 devices with credentials/);
    expect(deviceAccessLine({ anonymous: true, credentialsFile: '/d/devices.passwd', devices: 1 })).toMatch(/^anonymous devices allowed/);
  });

  it("takes the simulator's ids only", () => {
    expect(BUILT_IN_SIM_IDS.test('sim-001')).toBe(true);
    expect(BUILT_IN_SIM_IDS.test('sim-10000')).toBe(true);
    expect(BUILT_IN_SIM_IDS.test('sim-01')).toBe(false);
    expect(BUILT_IN_SIM_IDS.test('gw-001')).toBe(false);
  });
});
