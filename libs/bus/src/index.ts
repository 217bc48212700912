export * from './bus.port.js';
export * from './rabbitmq/rabbitmq-bus.js';
export * from './rabbitmq/topology.js';
export * from './retry-schedule.js';
export * from './sqlite/sqlite-bus.js';
