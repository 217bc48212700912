import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type DecidedConversion, decideConversion } from '../../shared/conversions.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { ReopenConversionCommand } from './reopen-conversion.command.js';

@CommandHandler(ReopenConversionCommand)
export class ReopenConversionHandler implements ICommandHandler<ReopenConversionCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  execute(command: ReopenConversionCommand): Promise<DecidedConversion> {
    return decideConversion(this.runner, this.lookups, command, { type: 'ReopenConversion', reason: command.reason });
  }
}
