export * from './ports.ts';
export * from './process.ts';
export * from './mosquitto.ts';
export * from './aedes.ts';
export * from './influx.ts';
export * from './chromium.ts';
export * from './mqtt.ts';
export * from './nginx.ts';
