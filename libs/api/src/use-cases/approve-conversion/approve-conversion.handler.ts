import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, transactionDecider, transactionKeyOf, transactionStream } from '@partner-ledger/domain';
import type { CommandContext } from '../../shared/command-context.js';
import { position } from '../../shared/http.js';
import { Lookups } from '../../shared/lookups.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { conversionView } from '../../shared/views.js';

/** Approve and deny both act on the conversion held in its transaction's stream. */
export class DecideConversionCommand {
  constructor(
    readonly programId: string,
    readonly conversionId: string,
    readonly decision: { type: 'ApproveConversion' } | { type: 'DenyConversion'; reason?: string },
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(DecideConversionCommand)
export class DecideConversionHandler implements ICommandHandler<DecideConversionCommand> {
  constructor(
    private readonly runner: StreamRunner,
    private readonly lookups: Lookups,
  ) {}

  async execute({ programId, conversionId, decision, ctx }: DecideConversionCommand) {
    await this.lookups.requireProgram(programId);
    const key = transactionKeyOf(conversionId);
    if (key === null) throw notFound('conversion_not_found', `conversion ${conversionId} not found`);
    const stream = transactionStream(programId, key);
    if (!(await this.runner.exists(stream))) throw notFound('conversion_not_found', `conversion ${conversionId} not found`);
    const result = await this.runner.handle(stream, transactionDecider, decision, ctx);
    const view = result.state.exists ? conversionView(result.state) : null;
    if (!view) throw notFound('conversion_not_found', `conversion ${conversionId} not found`);
    return { ...view, position: position(result.position) };
  }
}
