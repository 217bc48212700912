import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  assertTriggerType,
  conversionTriggerDecider,
  normalizeTrigger,
  triggerStream,
} from '@partner-ledger/domain';
import type { CommandContext } from '../../shared/command-context.js';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { Lookups, snapshotOf } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import type { CreateConversionTriggerDto } from './create-conversion-trigger.dto.js';

export class CreateConversionTriggerCommand {
  constructor(readonly programId: string, readonly body: CreateConversionTriggerDto, readonly ctx: CommandContext) {}
}

@CommandHandler(CreateConversionTriggerCommand)
export class CreateConversionTriggerHandler implements ICommandHandler<CreateConversionTriggerCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  async execute({ programId, body, ctx }: CreateConversionTriggerCommand) {
    await this.lookups.requireProgram(programId);
    const type = assertTriggerType(body.type);
    const normalized = normalizeTrigger(type, body.trigger);
    const partner = await this.lookups.partner(programId, body.partnerId);
    const result = await this.runner.handle(
      triggerStream(programId, type, normalized),
      conversionTriggerDecider,
      { type: 'CreateConversionTrigger', programId, triggerId: newId('trg'), triggerType: type, trigger: normalized, partner: partner && snapshotOf(partner) },
      ctx,
    );
    if (!result.state.exists) throw new Error('trigger not created');
    const t = result.state;
    return { id: t.triggerId, partnerId: t.partnerId, type: t.type, trigger: t.trigger, position: position(result.position) };
  }
}
