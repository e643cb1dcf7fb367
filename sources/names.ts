/** The built-in source names, in precedence order (index.ts explains the order). */
export const PRESET_NAMES = ['tasmota', 'zigbee2mqtt', 'telegraf', 'senml', 'ttn', 'homeassistant', 'shelly', 'esphome'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
/** Names SOURCES accepts: the presets and `vigil`. */
export const SOURCE_NAMES: readonly string[] = ['vigil', ...PRESET_NAMES];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}
