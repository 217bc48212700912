// Shared by the platform specs: the smallest app that exercises every cross-cutting path.
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import type { Logger } from 'pino';
import { conflict } from '@partner-ledger/domain';
import { createHttpApp } from './bootstrap.js';
import { CorrelationId } from './correlation.js';
import type { HealthIndicator } from './health.js';
import { createLogger } from '@partner-ledger/telemetry';
import { PlatformModule } from './platform.module.js';

class PartnerRefDto {
  @ApiProperty() @IsString() key!: string;
}

class TierDto {
  @ApiProperty() @IsInt() @Min(1) level!: number;
}

export class CreateThingDto {
  @ApiProperty() @IsString() name!: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() amount?: number;
  @ApiPropertyOptional({ type: PartnerRefDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartnerRefDto)
  partner?: PartnerRefDto;
  @ApiPropertyOptional({ type: [TierDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TierDto)
  tiers?: TierDto[];
}

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() dto: CreateThingDto, @CorrelationId() correlationId: string) {
    return { name: dto.name, isDto: dto instanceof CreateThingDto, correlationId };
  }

  @Post('taken')
  taken(): never {
    throw conflict('thing_name_taken', 'A thing with this name already exists', 'name');
  }

  @Get('boom')
  boom(): never {
    throw new Error('connection to postgres://admin:hunter2@db failed');
  }

  /** Answers after `ms` milliseconds: a request still in flight when the app closes. */
  @Get('slow/:ms')
  async slow(@Param('ms') ms: string) {
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return { waited: Number(ms) };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

export function testModule(indicators: HealthIndicator[] = []) {
  @Module({ imports: [PlatformModule.forRoot({ indicators })], controllers: [ThingsController] })
  class TestModule {}
  return TestModule;
}

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
}

export async function startTestApp(
  opts: { indicators?: HealthIndicator[]; logger?: Logger; bodyLimitBytes?: number; jsonMaxDepth?: number; jsonMaxKeys?: number } = {},
): Promise<RunningApp> {
  const app = await createHttpApp(testModule(opts.indicators), {
    logger: opts.logger ?? createLogger({ level: 'silent' }),
    title: 'Platform test',
    version: '1.2.3',
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024,
    jsonMaxDepth: opts.jsonMaxDepth,
    jsonMaxKeys: opts.jsonMaxKeys,
  });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
