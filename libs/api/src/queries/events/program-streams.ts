import { forbidden } from '@partner-ledger/domain';

export const forbiddenProgramStream = (stream: string) => forbidden('forbidden_stream', `stream prefix ${stream} is outside this program`);
