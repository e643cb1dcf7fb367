/**
 * The Things Stack v3 MQTT integration: each uplink on v3/{app}@{tenant}/devices/{id}/up, with
 * end_device_ids, `received_at` (RFC 3339 UTC) and uplink_message: f_port, f_cnt, frm_payload
 * (base64 of the raw bytes: big-endian int16 per metric, x100), the payload formatter's
 * decoded_payload, rx_metadata of one gateway, settings. LoRaWAN devices have no presence
 * topic, and a real one never connects to the broker itself; --batch does not apply.
 */
import type { Entry } from '../device.ts';
import { json, rounded, type Format } from './format.ts';

export const TTN_APP = 'vigil-sim';
export const TTN_TENANT = 'ttn';

export function uplink(id: string, index: number, fCnt: number, entry: Entry): Record<string, unknown> {
  const decoded: Record<string, number> = {};
  const raw = Buffer.alloc(2 * Object.keys(entry.values).length);
  let at = 0;
  for (const [metric, value] of Object.entries(entry.values)) {
    decoded[metric] = rounded(value, 2);
    raw.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(value * 100))), at);
    at += 2;
  }
  const time = new Date(entry.ts).toISOString();
  const devEui = `70B3D57ED0${index.toString(16).toUpperCase().padStart(6, '0')}`;
  return {
    end_device_ids: {
      device_id: id,
      application_ids: { application_id: TTN_APP },
      dev_eui: devEui,
      join_eui: '0000000000000000',
      dev_addr: `260B${index.toString(16).toUpperCase().padStart(4, '0')}`,
    },
    correlation_ids: [`as:up:${entry.ts.toString(36).toUpperCase()}${index}`],
    received_at: time,
    uplink_message: {
      f_port: 1,
      f_cnt: fCnt,
      frm_payload: raw.toString('base64'),
      decoded_payload: decoded,
      rx_metadata: [{ gateway_ids: { gateway_id: 'vigil-sim-gw', eui: 'B827EBFFFE000001' }, time, rssi: -78, channel_rssi: -78, snr: 7.2 }],
      settings: { data_rate: { lora: { bandwidth: 125_000, spreading_factor: 7, coding_rate: '4/5' } }, frequency: '868100000' },
      received_at: time,
      consumed_airtime: '0.061696s',
    },
  };
}

export const ttn: Format = {
  name: 'ttn',
  batches: false,
  device({ id, index }) {
    let fCnt = 0;
    const topic = `v3/${TTN_APP}@${TTN_TENANT}/devices/${id}/up`;
    return {
      status: undefined,
      announce: [],
      report: (entries) => [{ topic, payload: json(uplink(id, index, fCnt++, entries[entries.length - 1]!)) }],
    };
  },
};
