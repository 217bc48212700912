import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { programDecider, programStream } from '@partner-ledger/domain';
import { hashKey, newProgramKey } from '../../auth/api-keys.js';
import { newId } from '../../shared/ids.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { position } from '../../shared/http.js';
import { createdProgramView } from '../../shared/views.js';
import { CreateProgramCommand } from './create-program.command.js';

@CommandHandler(CreateProgramCommand)
export class CreateProgramHandler implements ICommandHandler<CreateProgramCommand> {
  constructor(private readonly runner: StreamRunner) {}

  async execute({ name, currency, commission, tiers, productRates, approval, ctx }: CreateProgramCommand) {
    const programId = newId('prg');
    const apiKey = newProgramKey(programId);
    const result = await this.runner.handle(
      programStream(programId),
      programDecider,
      { type: 'CreateProgram', programId, name, currency, commission, tiers: tiers && [...tiers], productRates, approval, apiKeyHash: hashKey(apiKey) },
      ctx,
    );
    const [created] = result.events;
    if (created?.type !== 'ProgramCreated') throw new Error('program not created');
    return { ...createdProgramView(created.data), apiKey, position: position(result.position) };
  }
}
