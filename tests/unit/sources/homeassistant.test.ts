import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../sources/presets/ha-template.ts';
import { HomeAssistantRegistry, homeAssistantSource, MAX_ENTITIES } from '../../../sources/presets/homeassistant.ts';
import type { Decoded, Source } from '../../../sources/types.ts';
import { RECEIVED } from './corpus/helpers.ts';

const enc = new TextEncoder();
const send = (source: Source, topic: string, payload: string, retain = false): Decoded | undefined =>
  source.decode({ topic, payload: enc.encode(payload), retain, receivedAt: RECEIVED });

/** ESPHome's discovery message shape (https://esphome.io/components/mqtt.html, discovery) with abbreviations and `~`. */
const ESPHOME_CONFIG =
  '{"dev_cla":"temperature","unit_of_meas":"°C","stat_cla":"measurement","name":"Temperature","~":"livingroom","stat_t":"~/sensor/temperature/state","avty_t":"~/status","uniq_id":"ESPsensortemperature","dev":{"ids":"a4cf12345678","name":"Living Room","sw":"esphome v2024.6.0","mdl":"esp32dev","mf":"espressif"}}';

/** A hand-made discovery for a Tasmota BLE bridge (https://gist.github.com/Elwell/1b0421abea0fa7f90a139b3400c890f2). */
const BLE_CONFIG =
  '{"device_class":"temperature","state_topic":"tele/tasmota_ble/ATC264902","name":"ATC_264902 Temperature","uniq_id":"ATC_264902_temp","unit_of_meas":"°C","value_template":"{{ value_json.Temperature}}","device":{"name":"ATC_264902","sw_version":"3.1","identifiers":["ATC_264902"]}}';

describe('Home Assistant discovery', () => {
  it('a config registers its state and availability topics with the unit and name; states then decode', () => {
    const ha = homeAssistantSource();
    expect(send(ha, 'homeassistant/sensor/livingroom/temperature/config', ESPHOME_CONFIG, true)).toEqual({
      kind: 'configured',
      subscribe: ['livingroom/sensor/temperature/state', 'livingroom/status'],
      meta: [{ device: 'livingroom', name: 'Living Room', units: { temperature: '°C' } }],
    });
    expect(send(ha, 'livingroom/sensor/temperature/state', '21.70')).toEqual({
      kind: 'readings',
      entries: [{ device: 'livingroom', ts: RECEIVED, values: { temperature: 21.7 } }],
      meta: [{ device: 'livingroom', name: 'Living Room', units: { temperature: '°C' } }],
      skippedFields: 0,
      tsFallbacks: 0,
    });
    expect(send(ha, 'livingroom/status', 'offline')).toEqual({
      kind: 'status',
      device: 'livingroom',
      status: 'offline',
      meta: [{ device: 'livingroom', name: 'Living Room' }],
    });
    expect(send(ha, 'livingroom/sensor/temperature/state', '21.70', true)).toEqual({ kind: 'ignored', why: 'retained' });
    expect(send(ha, 'somewhere/else', '1')).toBeUndefined();
  });

  it('value_json templates pick from JSON state; several entities share one state topic', () => {
    const ha = homeAssistantSource();
    send(ha, 'homeassistant/sensor/ATC_264902_temp/config', BLE_CONFIG);
    send(
      ha,
      'homeassistant/sensor/ATC_264902_humidity/config',
      BLE_CONFIG.replace('Temperature}}', 'Humidity | float | round(0) }}')
        .replace('°C', '%')
        .replace('ATC_264902_temp', 'ATC_264902_humidity'),
    );
    expect(send(ha, 'tele/tasmota_ble/ATC264902', '{"Temperature":22.4,"Humidity":51.6,"RSSI":-70}')).toEqual({
      kind: 'readings',
      entries: [{ device: 'ATC_264902', ts: RECEIVED, values: { Temperature: 22.4, Humidity: 52 } }],
      meta: [{ device: 'ATC_264902', units: { Temperature: '°C', Humidity: '%' } }],
      skippedFields: 0,
      tsFallbacks: 0,
    });
  });

  it('binary sensors use payload_on/off; an empty config unregisters', () => {
    const ha = homeAssistantSource();
    const config =
      '{"name":"Door","stat_t":"zigbee2mqtt/front_door","val_tpl":"{{ value_json.contact }}","pl_on":false,"pl_off":true,"dev_cla":"door"}';
    expect(send(ha, 'homeassistant/binary_sensor/0x00158d000aabbccd/contact/config', config)).toMatchObject({
      kind: 'configured',
      subscribe: ['zigbee2mqtt/front_door'],
    });
    expect(send(ha, 'zigbee2mqtt/front_door', '{"contact":false,"battery":90}')).toMatchObject({
      entries: [{ device: '0x00158d000aabbccd', values: { contact: 1 } }],
    });
    expect(send(ha, 'homeassistant/binary_sensor/0x00158d000aabbccd/contact/config', '')).toEqual({
      kind: 'configured',
      subscribe: [],
      meta: [],
    });
    expect(send(ha, 'zigbee2mqtt/front_door', '{"contact":true}')).toBeUndefined();
  });

  it('device-form discovery (cmps) registers each component', () => {
    const ha = homeAssistantSource();
    const config =
      '{"dev":{"ids":"ea334450945afc","name":"Kitchen"},"o":{"name":"bla2mqtt"},"cmps":{"temp1":{"p":"sensor","unit_of_measurement":"°C","value_template":"{{ value_json.temperature}}"},"hum1":{"p":"sensor","unit_of_measurement":"%","value_template":"{{ value_json.humidity }}"},"light1":{"p":"light"}},"state_topic":"sensorBedroom/state"}';
    expect(send(ha, 'homeassistant/device/ea334450945afc/config', config)).toEqual({
      kind: 'configured',
      subscribe: ['sensorBedroom/state'],
      meta: [{ device: 'ea334450945afc', name: 'Kitchen', units: { temperature: '°C', humidity: '%' } }],
    });
  });

  it('refuses state topics with wildcards or under vigil/, and unsupported templates are visible', () => {
    const ha = homeAssistantSource();
    expect(send(ha, 'homeassistant/sensor/x/config', '{"stat_t":"vigil/readings"}')).toMatchObject({
      kind: 'rejected',
      reason: 'wrong_shape',
    });
    expect(send(ha, 'homeassistant/sensor/y/config', '{"stat_t":"a/+/b"}')).toMatchObject({ kind: 'rejected' });
    expect(send(ha, 'homeassistant/light/z/config', '{"stat_t":"a/b"}')).toEqual({
      kind: 'ignored',
      why: 'component light is not charted',
    });
    send(ha, 'homeassistant/sensor/t/config', '{"stat_t":"t/state","val_tpl":"{{ value_json.x * 2 }}"}');
    expect(send(ha, 't/state', '{"x":1}')).toMatchObject({ kind: 'rejected', reason: 'no_values' });
    expect(send(ha, 'homeassistant/status', 'online')).toEqual({ kind: 'ignored', why: 'home assistant birth' });
  });

  it('the registry is bounded', () => {
    const registry = new HomeAssistantRegistry();
    const ha = homeAssistantSource(registry);
    for (let i = 0; i < MAX_ENTITIES; i++) send(ha, `homeassistant/sensor/n${i}/config`, `{"stat_t":"s/${i}"}`);
    expect(registry.size).toBe(MAX_ENTITIES);
    expect(send(ha, 'homeassistant/sensor/extra/config', '{"stat_t":"s/extra"}')).toMatchObject({
      kind: 'rejected',
      reason: 'too_many_entries',
    });
    send(ha, 'homeassistant/sensor/n0/config', '');
    expect(registry.size).toBe(MAX_ENTITIES - 1);
  });

  it('parses the template subset and names what it cannot do', () => {
    expect(parseTemplate('{{ value }}')).toEqual({ path: null, cast: null, round: null });
    expect(parseTemplate("{{value_json['AM2301'].Temperature}}")).toEqual({ path: ['AM2301', 'Temperature'], cast: null, round: null });
    expect(parseTemplate('{{ value_json.list[1] | int }}')).toEqual({ path: ['list', 1], cast: 'int', round: null });
    expect(parseTemplate('{{ value_json.a.b | float(0) | round(2) }}')).toEqual({ path: ['a', 'b'], cast: 'float', round: 2 });
    expect(parseTemplate("{{ 'ON' if value_json.x else 'OFF' }}")).toBe("unsupported expression 'ON'ifvalue_json.xelse'OFF'");
    expect(parseTemplate('{{ value_json.x | upper }}')).toBe('unsupported filter upper');
  });
});
