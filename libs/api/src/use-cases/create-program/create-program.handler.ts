import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { programDecider, programStream } from '@partner-ledger/domain';
import { hashKey, newProgramKey } from '../../auth/api-keys.js';
import { newId } from '../../shared/ids.js';
import { StreamRunner } from '../../shared/stream-runner.js';
import { position } from '../../shared/http.js';
import { programView } from '../../shared/views.js';
import { CreateProgramCommand } from './create-program.command.js';

@CommandHandler(CreateProgramCommand)
export class CreateProgramHandler implements ICommandHandler<CreateProgramCommand> {
  constructor(private readonly runner: StreamRunner) {}

  async execute({ name, currency, commission, tiers, ctx }: CreateProgramCommand) {
    const programId = newId('prg');
    const apiKey = newProgramKey(programId);
    const result = await this.runner.handle(
      programStream(programId),
      programDecider,
      { type: 'CreateProgram', programId, name, currency, commission, tiers: tiers && [...tiers], apiKeyHash: hashKey(apiKey) },
      ctx,
      { retry: false },
    );
    if (!result.state.exists) throw new Error('program not created');
    return { ...programView(result.state), apiKey, position: position(result.position) };
  }
}
