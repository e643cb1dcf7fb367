/** Every format the simulator speaks (--format), by name. */
import { esphome } from './esphome.ts';
import type { Format, FormatName } from './format.ts';
import { homeassistant } from './homeassistant.ts';
import { senml } from './senml.ts';
import { shelly } from './shelly.ts';
import { tasmota } from './tasmota.ts';
import { telegraf } from './telegraf.ts';
import { ttn } from './ttn.ts';
import { vigil } from './vigil.ts';
import { zigbee2mqtt } from './zigbee2mqtt.ts';

export { FORMAT_NAMES, type DeviceFormat, type Format, type FormatName, type OutMessage, type StatusForm } from './format.ts';

export const FORMATS: Readonly<Record<FormatName, Format>> = {
  vigil,
  tasmota,
  zigbee2mqtt,
  esphome,
  shelly,
  homeassistant,
  telegraf,
  senml,
  ttn,
};
