/**
 * What `npm start` says about device access to the embedded broker: the one line an operator
 * needs when devices on the LAN would otherwise be refused without a hint.
 */

/** The built-in simulator's ids (sim-001 …, simulator/device.ts); only these may use its per-boot secret. */
export const BUILT_IN_SIM_IDS = /^sim-\d{3,5}$/;

export interface DeviceAccess {
  /** MQTT_ANONYMOUS as in effect. */
  readonly anonymous: boolean;
  /** The password file the embedded broker reads (devices.passwd beside SQLITE_PATH). */
  readonly credentialsFile: string;
  /** Devices with credentials in it at start. */
  readonly devices: number;
}

/** One line for the start banner. */
export function deviceAccessLine(access: DeviceAccess): string {
  const count = `${access.devices} device${access.devices === 1 ? '' : 's'} with credentials in ${access.credentialsFile}`;
  if (access.anonymous) return `anonymous devices allowed (MQTT_ANONYMOUS); ${count}`;
  if (access.devices === 0) {
    return `no device credentials yet (MQTT_ANONYMOUS is off): add one with npm run device:add -- <id> (written to ${access.credentialsFile}, used without restart)`;
  }
  return `${count}; devices without credentials are refused`;
}
