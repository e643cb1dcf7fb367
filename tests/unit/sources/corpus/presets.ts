/**
 * Real payloads per preset, each from the project's own documentation (cited per sample), with
 * what Vigil must make of them. Shapes are the documented ones; values are the documents' where
 * they give some.
 */
import { ignored, RECEIVED, readings, type Sample, statusOf } from './helpers.ts';

const TASMOTA_MQTT = 'https://tasmota.github.io/docs/MQTT/';
const Z2M = 'https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html';
const ESPHOME_DOCS = 'https://esphome.io/components/mqtt.html';
const SHELLY_SWITCH = 'https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Switch#status';
const SHELLY_NOTIFY = 'https://shelly-api-docs.shelly.cloud/gen2/General/Notifications';
const SHELLY_GEN1 = 'https://shelly-api-docs.shelly.cloud/gen1/#shelly1-shelly1pm-mqtt';
const TELEGRAF_JSON = 'https://docs.influxdata.com/telegraf/v1/data_formats/output/json/';
const LINE_PROTOCOL = 'https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_tutorial/';
const RFC8428 = 'https://www.rfc-editor.org/rfc/rfc8428#section-5.1';
const TTN = 'https://www.thethingsindustries.com/docs/integrations/data-formats/';

export const TASMOTA: Sample[] = [
  {
    name: 'AM2301 sensor with TempUnit, zone-less local Time',
    cite: 'https://tasmota.github.io/docs/AM2301/ (tele/%topic%/SENSOR example)',
    topic: 'tele/tasmota_3D5E26/SENSOR',
    payload: '{"Time":"2019-11-03T19:34:28","AM2301":{"Temperature":21.1,"Humidity":57.7,"DewPoint":12.3},"TempUnit":"C"}',
    source: 'tasmota',
    expect: readings(
      [
        [
          'tasmota_3D5E26',
          Date.UTC(2019, 10, 3, 19, 34, 28),
          { 'AM2301.Temperature': 21.1, 'AM2301.Humidity': 57.7, 'AM2301.DewPoint': 12.3 },
        ],
      ],
      [{ device: 'tasmota_3D5E26', units: { 'AM2301.Temperature': '°C', 'AM2301.Humidity': '%', 'AM2301.DewPoint': '°C' } }],
    ),
  },
  {
    name: 'ENERGY block of a power-monitoring plug',
    cite: 'https://tasmota.github.io/docs/Power-Monitoring-Calibration/ (ENERGY JSON in tele/%topic%/SENSOR)',
    topic: 'tele/sonoff-pow/SENSOR',
    payload:
      '{"Time":"2019-12-15T08:25:01","ENERGY":{"TotalStartTime":"2019-12-14T13:14:13","Total":0.003,"Yesterday":0.000,"Today":0.003,"Period":0,"Power":21,"ApparentPower":30,"ReactivePower":21,"Factor":0.70,"Voltage":230,"Current":0.130}}',
    source: 'tasmota',
    expect: readings(
      [
        [
          'sonoff-pow',
          Date.UTC(2019, 11, 15, 8, 25, 1),
          {
            'ENERGY.Total': 0.003,
            'ENERGY.Yesterday': 0,
            'ENERGY.Today': 0.003,
            'ENERGY.Period': 0,
            'ENERGY.Power': 21,
            'ENERGY.ApparentPower': 30,
            'ENERGY.ReactivePower': 21,
            'ENERGY.Factor': 0.7,
            'ENERGY.Voltage': 230,
            'ENERGY.Current': 0.13,
          },
        ],
      ],
      [
        {
          device: 'sonoff-pow',
          units: {
            'ENERGY.Total': 'kWh',
            'ENERGY.Yesterday': 'kWh',
            'ENERGY.Today': 'kWh',
            'ENERGY.Power': 'W',
            'ENERGY.ApparentPower': 'VA',
            'ENERGY.ReactivePower': 'var',
            'ENERGY.Voltage': 'V',
            'ENERGY.Current': 'A',
          },
        },
      ],
    ),
  },
  {
    name: 'STATE telemetry: POWER word, Wifi block, strings left out',
    cite: `${TASMOTA_MQTT} (tele/%topic%/STATE example)`,
    topic: 'tele/tasmota_3D5E26/STATE',
    payload:
      '{"Time":"2019-12-15T08:23:33","Uptime":"0T00:15:10","UptimeSec":910,"Heap":27,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"POWER":"OFF","Wifi":{"AP":1,"SSId":"HomeWifi","BSSId":"AA:BB:CC:DD:EE:FF","Channel":1,"RSSI":100,"Signal":-44,"LinkCount":1,"Downtime":"0T00:00:03"}}',
    source: 'tasmota',
    expect: readings(
      [
        [
          'tasmota_3D5E26',
          Date.UTC(2019, 11, 15, 8, 23, 33),
          {
            UptimeSec: 910,
            Heap: 27,
            Sleep: 50,
            LoadAvg: 19,
            MqttCount: 1,
            POWER: 0,
            'Wifi.AP': 1,
            'Wifi.Channel': 1,
            'Wifi.RSSI': 100,
            'Wifi.Signal': -44,
            'Wifi.LinkCount': 1,
          },
        ],
      ],
      [{ device: 'tasmota_3D5E26', units: { UptimeSec: 's', 'Wifi.RSSI': '%', 'Wifi.Signal': 'dBm' } }],
    ),
  },
  {
    name: 'two DS18B20 probes (ids with "-"), their Id strings counted as skipped',
    cite: 'https://tasmota.github.io/docs/DS18x20/ (multiple sensors are DS18B20-1, DS18B20-2)',
    topic: 'tele/boiler/SENSOR',
    payload:
      '{"Time":"2021-01-02T10:11:12+01:00","DS18B20-1":{"Id":"01144A0CB2AA","Temperature":61.3},"DS18B20-2":{"Id":"0114502A8FAA","Temperature":43.0},"TempUnit":"C"}',
    source: 'tasmota',
    expect: readings(
      [['boiler', Date.UTC(2021, 0, 2, 9, 11, 12), { 'DS18B20_1.Temperature': 61.3, 'DS18B20_2.Temperature': 43 }]],
      [{ device: 'boiler', units: { 'DS18B20_1.Temperature': '°C', 'DS18B20_2.Temperature': '°C' } }],
      2,
    ),
  },
  {
    name: 'LWT Offline',
    cite: `${TASMOTA_MQTT} (tele/%topic%/LWT)`,
    topic: 'tele/tasmota_3D5E26/LWT',
    payload: 'Offline',
    source: 'tasmota',
    expect: statusOf('tasmota_3D5E26', 'offline'),
  },
  {
    name: 'LWT Online, live',
    cite: TASMOTA_MQTT,
    topic: 'tele/tasmota_3D5E26/LWT',
    payload: 'Online',
    source: 'tasmota',
    expect: statusOf('tasmota_3D5E26', 'online'),
  },
  {
    name: 'LWT Online, retained replay',
    cite: TASMOTA_MQTT,
    topic: 'tele/tasmota_3D5E26/LWT',
    payload: 'Online',
    retain: true,
    source: 'tasmota',
    expect: ignored('retained'),
  },
];

export const ZIGBEE2MQTT: Sample[] = [
  {
    name: 'climate sensor state',
    cite: `${Z2M} (zigbee2mqtt/FRIENDLY_NAME)`,
    topic: 'zigbee2mqtt/0x00158d0001a2b3c4',
    payload: '{"temperature":22.51,"humidity":45.3,"pressure":1012.4,"battery":97,"voltage":3005,"linkquality":120}',
    source: 'zigbee2mqtt',
    expect: readings(
      [
        [
          '0x00158d0001a2b3c4',
          RECEIVED,
          { temperature: 22.51, humidity: 45.3, pressure: 1012.4, battery: 97, voltage: 3005, linkquality: 120 },
        ],
      ],
      [
        {
          device: '0x00158d0001a2b3c4',
          units: { temperature: '°C', humidity: '%', pressure: 'hPa', battery: '%', voltage: 'mV', linkquality: 'lqi' },
        },
      ],
    ),
  },
  {
    name: 'a light whose friendly name holds "/" and a space; ON becomes 1, nested color flattened',
    cite: `${Z2M} (friendly names may contain /; light state example)`,
    topic: 'zigbee2mqtt/Living Room/Lamp',
    payload: '{"state":"ON","brightness":215,"color_temp":325,"color":{"x":0.4599,"y":0.4106},"color_mode":"color_temp","linkquality":87}',
    source: 'zigbee2mqtt',
    expect: readings(
      [
        [
          'Living_Room_Lamp-18f273ce',
          RECEIVED,
          { state: 1, brightness: 215, color_temp: 325, 'color.x': 0.4599, 'color.y': 0.4106, linkquality: 87 },
        ],
      ],
      [{ device: 'Living_Room_Lamp-18f273ce', name: 'Living Room/Lamp', units: { linkquality: 'lqi' } }],
      1,
    ),
  },
  {
    name: 'contact sensor with last_seen as the reading time',
    cite: 'https://www.zigbee2mqtt.io/guide/configuration/device-availability.html and advanced.last_seen (ISO_8601)',
    topic: 'zigbee2mqtt/kitchen/door',
    payload: '{"contact":false,"battery":100,"voltage":3025,"linkquality":90,"last_seen":"2023-05-01T10:00:00.000Z"}',
    source: 'zigbee2mqtt',
    expect: readings(
      [['kitchen_door-ac85bab0', Date.UTC(2023, 4, 1, 10), { contact: 0, battery: 100, voltage: 3025, linkquality: 90 }]],
      [{ device: 'kitchen_door-ac85bab0', name: 'kitchen/door', units: { battery: '%', voltage: 'mV', linkquality: 'lqi' } }],
    ),
  },
  {
    name: 'availability JSON',
    cite: 'https://www.zigbee2mqtt.io/guide/configuration/device-availability.html',
    topic: 'zigbee2mqtt/kitchen/door/availability',
    payload: '{"state":"offline"}',
    source: 'zigbee2mqtt',
    expect: statusOf('kitchen_door-ac85bab0', 'offline', [{ device: 'kitchen_door-ac85bab0', name: 'kitchen/door' }]),
  },
  {
    name: 'availability legacy plain text',
    cite: 'https://www.zigbee2mqtt.io/guide/configuration/device-availability.html (legacy_availability_payload)',
    topic: 'zigbee2mqtt/0x00158d0001a2b3c4/availability',
    payload: 'online',
    source: 'zigbee2mqtt',
    expect: statusOf('0x00158d0001a2b3c4', 'online'),
  },
  {
    name: 'bridge state ignored',
    cite: `${Z2M} (zigbee2mqtt/bridge/state)`,
    topic: 'zigbee2mqtt/bridge/state',
    payload: '{"state":"online"}',
    source: 'zigbee2mqtt',
    expect: ignored('bridge'),
  },
  {
    name: 'set command ignored',
    cite: `${Z2M} (zigbee2mqtt/FRIENDLY_NAME/set)`,
    topic: 'zigbee2mqtt/Living Room/Lamp/set',
    payload: '{"state":"OFF"}',
    source: 'zigbee2mqtt',
    expect: ignored('command'),
  },
  {
    name: 'attribute output: a bare value per attribute topic',
    cite: 'https://www.zigbee2mqtt.io/guide/configuration/mqtt.html (output: attribute)',
    topic: 'zigbee2mqtt/0x00158d0001a2b3c4/temperature',
    payload: '22.5',
    source: 'zigbee2mqtt',
    expect: readings(
      [['0x00158d0001a2b3c4', RECEIVED, { temperature: 22.5 }]],
      [{ device: '0x00158d0001a2b3c4', units: { temperature: '°C' } }],
    ),
  },
];

export const ESPHOME: Sample[] = [
  {
    name: 'sensor state',
    cite: `${ESPHOME_DOCS} (<topic_prefix>/sensor/<object_id>/state)`,
    topic: 'livingroom/sensor/living_room_temperature/state',
    payload: '23.40',
    source: 'esphome',
    expect: readings([['livingroom', RECEIVED, { living_room_temperature: 23.4 }]]),
  },
  {
    name: 'binary sensor ON',
    cite: `${ESPHOME_DOCS} (binary_sensor state ON/OFF)`,
    topic: 'livingroom/binary_sensor/window_contact/state',
    payload: 'ON',
    source: 'esphome',
    expect: readings([['livingroom', RECEIVED, { window_contact: 1 }]]),
  },
  {
    name: 'birth message',
    cite: `${ESPHOME_DOCS} (birth_message <topic_prefix>/status online)`,
    topic: 'livingroom/status',
    payload: 'online',
    source: 'esphome',
    expect: statusOf('livingroom', 'online'),
  },
  {
    name: 'last will',
    cite: `${ESPHOME_DOCS} (will_message offline)`,
    topic: 'livingroom/status',
    payload: 'offline',
    source: 'esphome',
    expect: statusOf('livingroom', 'offline'),
  },
  {
    name: 'nan from a sensor without a reading',
    cite: `${ESPHOME_DOCS} (a sensor without a value publishes nan)`,
    topic: 'livingroom/sensor/co2/state',
    payload: 'nan',
    source: 'esphome',
    expect: { kind: 'rejected', device: 'livingroom', reason: 'no_values', detail: 'state is not a number or ON/OFF' },
  },
];

export const SHELLY: Sample[] = [
  {
    name: 'Gen2 switch status',
    cite: SHELLY_SWITCH,
    topic: 'shellyplus1pm-441793d69718/status/switch:0',
    payload:
      '{"id":0,"source":"init","output":false,"apower":0,"voltage":224.9,"current":0,"aenergy":{"total":11.679,"by_minute":[0,0,0],"minute_ts":1654511453},"temperature":{"tC":43.2,"tF":109.8}}',
    source: 'shelly',
    expect: readings(
      [
        [
          'shellyplus1pm-441793d69718',
          RECEIVED,
          {
            'switch_0.output': 0,
            'switch_0.apower': 0,
            'switch_0.voltage': 224.9,
            'switch_0.current': 0,
            'switch_0.aenergy.total': 11.679,
            'switch_0.temperature.tC': 43.2,
            'switch_0.temperature.tF': 109.8,
          },
        ],
      ],
      [
        {
          device: 'shellyplus1pm-441793d69718',
          units: {
            'switch_0.apower': 'W',
            'switch_0.voltage': 'V',
            'switch_0.current': 'A',
            'switch_0.aenergy.total': 'Wh',
            'switch_0.temperature.tC': '°C',
            'switch_0.temperature.tF': '°F',
          },
        },
      ],
      1,
    ),
  },
  {
    name: 'Gen2 NotifyStatus frame on events/rpc, ts in seconds',
    cite: SHELLY_NOTIFY,
    topic: 'shellyplus1pm-441793d69718/events/rpc',
    payload:
      '{"src":"shellyplus1pm-441793d69718","dst":"shellyplus1pm-441793d69718/events","method":"NotifyStatus","params":{"ts":1631266595.43,"switch:0":{"id":0,"apower":37.5,"current":0.17}}}',
    source: 'shelly',
    expect: readings(
      [['shellyplus1pm-441793d69718', 1631266595430, { 'switch_0.apower': 37.5, 'switch_0.current': 0.17 }]],
      [{ device: 'shellyplus1pm-441793d69718', units: { 'switch_0.apower': 'W', 'switch_0.current': 'A' } }],
    ),
  },
  {
    name: 'Gen2 NotifyEvent ignored',
    cite: SHELLY_NOTIFY,
    topic: 'shellyplus1pm-441793d69718/events/rpc',
    payload:
      '{"src":"shellyplus1pm-441793d69718","dst":"shellyplus1pm-441793d69718/events","method":"NotifyEvent","params":{"ts":1631266595.43,"events":[{"component":"input:0","id":0,"event":"single_push","ts":1631266595.43}]}}',
    source: 'shelly',
    expect: ignored('rpc NotifyEvent'),
  },
  {
    name: 'Gen2 online false',
    cite: 'https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Mqtt (<topic_prefix>/online)',
    topic: 'shellyplus1pm-441793d69718/online',
    payload: 'false',
    source: 'shelly',
    expect: statusOf('shellyplus1pm-441793d69718', 'offline'),
  },
  {
    name: 'Gen1 relay power, bare value',
    cite: SHELLY_GEN1,
    topic: 'shellies/shelly1pm-84CCA8ADD4D3/relay/0/power',
    payload: '12.34',
    source: 'shelly',
    expect: readings(
      [['shelly1pm-84CCA8ADD4D3', RECEIVED, { 'relay.0.power': 12.34 }]],
      [{ device: 'shelly1pm-84CCA8ADD4D3', units: { 'relay.0.power': 'W' } }],
    ),
  },
  {
    name: 'Gen1 relay energy in watt-minutes',
    cite: SHELLY_GEN1,
    topic: 'shellies/shelly1pm-84CCA8ADD4D3/relay/0/energy',
    payload: '2140',
    source: 'shelly',
    expect: readings(
      [['shelly1pm-84CCA8ADD4D3', RECEIVED, { 'relay.0.energy': 2140 }]],
      [{ device: 'shelly1pm-84CCA8ADD4D3', units: { 'relay.0.energy': 'Wmin' } }],
    ),
  },
  {
    name: 'Gen1 relay state on',
    cite: SHELLY_GEN1,
    topic: 'shellies/shelly1-98F4ABF2AA11/relay/0',
    payload: 'on',
    source: 'shelly',
    expect: readings([['shelly1-98F4ABF2AA11', RECEIVED, { 'relay.0': 1 }]]),
  },
  {
    name: 'Gen1 online',
    cite: SHELLY_GEN1,
    topic: 'shellies/shelly1-98F4ABF2AA11/online',
    payload: 'true',
    source: 'shelly',
    expect: statusOf('shelly1-98F4ABF2AA11', 'online'),
  },
  {
    name: 'Gen1 command ignored',
    cite: SHELLY_GEN1,
    topic: 'shellies/shelly1-98F4ABF2AA11/relay/0/command',
    payload: 'off',
    source: 'shelly',
    expect: ignored('not a reading'),
  },
];

export const TELEGRAF: Sample[] = [
  {
    name: 'JSON serializer, one metric',
    cite: `${TELEGRAF_JSON} (example output)`,
    topic: 'telegraf/raspberrypi/docker',
    payload:
      '{"fields":{"field_1":30,"field_2":4,"field_N":59,"n_images":660},"name":"docker","tags":{"host":"raspberrypi"},"timestamp":1458229140}',
    source: 'telegraf',
    expect: readings([
      ['raspberrypi', 1458229140000, { 'docker.field_1': 30, 'docker.field_2': 4, 'docker.field_N': 59, 'docker.n_images': 660 }],
    ]),
  },
  {
    name: 'JSON serializer, batch format',
    cite: `${TELEGRAF_JSON} (batch format {"metrics":[...]})`,
    topic: 'telegraf/raspberrypi/docker',
    payload:
      '{"metrics":[{"fields":{"field_1":30,"field_2":4},"name":"docker","tags":{"host":"raspberrypi"},"timestamp":1458229140},{"fields":{"field_1":31,"field_2":5},"name":"docker","tags":{"host":"raspberrypi"},"timestamp":1458229150}]}',
    source: 'telegraf',
    expect: readings([
      ['raspberrypi', 1458229140000, { 'docker.field_1': 30, 'docker.field_2': 4 }],
      ['raspberrypi', 1458229150000, { 'docker.field_1': 31, 'docker.field_2': 5 }],
    ]),
  },
  {
    name: 'line protocol (the mqtt output default), nanoseconds, host tag from another machine',
    cite: `${LINE_PROTOCOL} (weather example) and https://github.com/influxdata/telegraf/tree/master/plugins/outputs/mqtt`,
    topic: 'telegraf/gateway/weather',
    payload:
      'weather,location=us-midwest,host=station-7 temperature=82,humidity=71i 1465839830100400200\nweather,location=us-midwest,host=station-7 raining=true 1465839830100400200\n',
    source: 'telegraf',
    expect: readings([['station-7', 1465839830100, { 'weather.temperature': 82, 'weather.humidity': 71, 'weather.raining': 1 }]]),
  },
  {
    name: 'line protocol with a string field and no timestamp',
    cite: `${LINE_PROTOCOL} (string field values are double-quoted)`,
    topic: 'telegraf/raspberrypi/system',
    payload: 'system,host=raspberrypi load1=0.25,uptime_format="1 day,  2:03" \n',
    source: 'telegraf',
    expect: readings([['raspberrypi', RECEIVED, { 'system.load1': 0.25 }]], [], 1),
  },
];

export const SENML: Sample[] = [
  {
    name: 'RFC 8428 §5.1.2 multiple data points',
    cite: `${RFC8428}.2`,
    topic: 'senml/meter-10e2073a01080063',
    payload: '[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},{"n":"current","u":"A","v":1.2}]',
    source: 'senml',
    expect: readings(
      [['meter-10e2073a01080063', RECEIVED, { voltage: 120.1, current: 1.2 }]],
      [{ device: 'meter-10e2073a01080063', units: { voltage: 'V', current: 'A' } }],
    ),
  },
  {
    name: 'RFC 8428 §5.1.4 multiple measurements: absolute bt, relative t',
    cite: `${RFC8428}.4`,
    topic: 'senml/meter-10e2073a0108006',
    payload:
      '[{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2},{"n":"current","t":-4,"v":1.3},{"n":"current","t":-3,"v":1.4},{"n":"current","t":-2,"v":1.5},{"n":"current","t":-1,"v":1.6},{"n":"current","v":1.7}]',
    source: 'senml',
    expect: readings(
      [
        ['meter-10e2073a0108006', 1276020076001, { voltage: 120.1, current: 1.7 }],
        ['meter-10e2073a0108006', 1276020071001, { current: 1.2 }],
        ['meter-10e2073a0108006', 1276020072001, { current: 1.3 }],
        ['meter-10e2073a0108006', 1276020073001, { current: 1.4 }],
        ['meter-10e2073a0108006', 1276020074001, { current: 1.5 }],
        ['meter-10e2073a0108006', 1276020075001, { current: 1.6 }],
      ],
      [{ device: 'meter-10e2073a0108006', units: { voltage: 'V', current: 'A' } }],
    ),
  },
  {
    name: 'RFC 8428 §5.1.5 resolved: vb boolean and vs string (skipped)',
    cite: `${RFC8428}.5 and §4.2 (vb, vs)`,
    topic: 'senml/door-1',
    payload:
      '[{"bn":"urn:dev:ow:10e2073a01080063:","n":"open","vb":true},{"n":"label","vs":"front door"},{"n":"temp","u":"Cel","v":23.1,"t":-10}]',
    source: 'senml',
    expect: readings(
      [
        ['door-1', RECEIVED, { open: 1 }],
        ['door-1', RECEIVED - 10_000, { temp: 23.1 }],
      ],
      [{ device: 'door-1', units: { temp: 'Cel' } }],
      1,
    ),
  },
];

export const TTN_SAMPLES: Sample[] = [
  {
    name: 'uplink with a decoded payload; app id with @tenant',
    cite: `${TTN} (uplink message; decoded_payload from the payload formatter) and https://www.thethingsindustries.com/docs/integrations/mqtt/ (v3/{application id}@{tenant id}/devices/{device id}/up)`,
    topic: 'v3/app1@ttn/devices/dev1/up',
    payload:
      '{"end_device_ids":{"device_id":"dev1","application_ids":{"application_id":"app1"},"dev_eui":"0004A30B001C0530","join_eui":"800000000000000C","dev_addr":"00BCB929"},"correlation_ids":["as:up:01"],"received_at":"2020-02-12T15:15:45.787Z","uplink_message":{"session_key_id":"AXBSH1Pk6Z0G166","f_port":15,"f_cnt":7,"frm_payload":"BA4=","decoded_payload":{"temperature":21.5,"humidity":48,"battery":{"voltage":3.61}},"rx_metadata":[{"gateway_ids":{"gateway_id":"gtw1"},"rssi":-64,"snr":7.5}],"received_at":"2020-02-12T15:15:45.600Z"}}',
    source: 'ttn',
    expect: readings([['dev1', Date.UTC(2020, 1, 12, 15, 15, 45, 787), { temperature: 21.5, humidity: 48, 'battery.voltage': 3.61 }]]),
  },
  {
    name: 'nanosecond received_at, device id from the payload',
    cite: `${TTN} (received_at is RFC 3339 with nanoseconds)`,
    topic: 'v3/my-app@acme/devices/eui-70b3d57ed0051234/up',
    payload:
      '{"end_device_ids":{"device_id":"eui-70b3d57ed0051234","application_ids":{"application_id":"my-app"}},"received_at":"2024-03-05T07:08:09.123456789Z","uplink_message":{"decoded_payload":{"level":73,"alarm":false,"status":"ok"}}}',
    source: 'ttn',
    expect: readings([['eui-70b3d57ed0051234', Date.UTC(2024, 2, 5, 7, 8, 9, 123), { level: 73, alarm: 0 }]], [], 1),
  },
  {
    name: 'no payload formatter: no decoded_payload',
    cite: `${TTN} (decoded_payload is present only with a formatter)`,
    topic: 'v3/app1@ttn/devices/dev1/up',
    payload:
      '{"end_device_ids":{"device_id":"dev1"},"received_at":"2020-02-12T15:15:45.787Z","uplink_message":{"f_port":15,"frm_payload":"BA4="}}',
    source: 'ttn',
    expect: {
      kind: 'rejected',
      device: 'dev1',
      reason: 'no_values',
      detail: 'no uplink_message.decoded_payload (does the application have a payload formatter?)',
    },
  },
];

export const ALL_STATELESS: Record<string, Sample[]> = {
  tasmota: TASMOTA,
  zigbee2mqtt: ZIGBEE2MQTT,
  esphome: ESPHOME,
  shelly: SHELLY,
  telegraf: TELEGRAF,
  senml: SENML,
  ttn: TTN_SAMPLES,
};
