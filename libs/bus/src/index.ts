export * from './bus.module.js';
export * from './bus.port.js';
export * from './open-bus.js';
// Types only: amqplib loads through connectRabbitMq / openBus.
export type { RabbitMqBus, RabbitMqBusOptions } from './rabbitmq/rabbitmq-bus.js';
export * from './rabbitmq/topology.js';
export * from './retry-schedule.js';
export * from './sqlite/sqlite-bus.js';
