import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertTriggerType, conversionTriggerDecider, normalizeTrigger, triggerStream } from '@partner-ledger/domain';
import { position } from '../../shared/http.js';
import { newId } from '../../shared/ids.js';
import { Lookups, snapshotOf } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { CreateConversionTriggerCommand } from './create-conversion-trigger.command.js';

@CommandHandler(CreateConversionTriggerCommand)
export class CreateConversionTriggerHandler implements ICommandHandler<CreateConversionTriggerCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  async execute({ programId, partnerId, type: typeName, trigger, ctx }: CreateConversionTriggerCommand) {
    await this.lookups.requireProgram(programId);
    const type = assertTriggerType(typeName);
    const normalized = normalizeTrigger(type, trigger);
    const partner = await this.lookups.partner(programId, partnerId);
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
