import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type DecidedConversion, decideConversion } from '../../shared/conversions.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { DenyConversionCommand } from './deny-conversion.command.js';

@CommandHandler(DenyConversionCommand)
export class DenyConversionHandler implements ICommandHandler<DenyConversionCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  execute(command: DenyConversionCommand): Promise<DecidedConversion> {
    return decideConversion(this.runner, this.lookups, command, { type: 'DenyConversion', reason: command.reason });
  }
}
