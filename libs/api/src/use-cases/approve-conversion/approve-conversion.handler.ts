import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@partner-ledger/platform';
import { type DecidedConversion, decideConversion } from '../../shared/conversions.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { ApproveConversionCommand } from './approve-conversion.command.js';

@CommandHandler(ApproveConversionCommand)
export class ApproveConversionHandler implements ICommandHandler<ApproveConversionCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(command: ApproveConversionCommand): Promise<DecidedConversion> {
    return decideConversion(this.runner, this.lookups, command, { type: 'ApproveConversion', reason: command.reason, byRule: command.byRule, now: this.clock.now() });
  }
}
