import { Controller, Get, Header, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notFound } from '@partner-ledger/domain';
import { consolePage, partnerPortalPage, webhookEndpointPortalPage } from './console-page.js';

export const CONSOLE_OPTIONS = Symbol('CONSOLE_OPTIONS');

export interface ConsoleOptions {
  /** The folder of the console's compiled browser modules (`main.js`, `pages/*.js`, …). */
  assetsDir: string;
}

/** A module path the console may ask for: lower-case names, one optional folder, `.js` (or its source map). */
const ASSET = /^(?:[a-z-]+\/)?[a-z-]+\.js(?:\.map)?$/;

/**
 * The page needs no key: it holds no data, and signs in with the key the operator types, sending
 * it only as the bearer of its own `/v1` calls. The browser modules come from this process, never
 * from a CDN, so the console works offline and behind a strict egress policy.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly html = consolePage();

  constructor(@Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return this.html;
  }

  // Fastify's router matches one segment per parameter, hence a route with a folder and one without.
  @Get('assets/:file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.send(file, reply);
  }

  @Get('assets/:folder/:file')
  nested(@Param('folder') folder: string, @Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.send(`${folder}/${file}`, reply);
  }

  private async send(path: string, reply: FastifyReply): Promise<string> {
    if (!ASSET.test(path)) throw notFound('console_asset_not_found', `no console asset ${path}`);
    let source: string;
    try {
      source = await readFile(join(this.options.assetsDir, path), 'utf8');
    } catch {
      throw notFound('console_asset_not_found', `console asset ${path} is missing: run \`npm run build\``);
    }
    void reply.header('content-type', path.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8').header('cache-control', 'no-cache');
    return source;
  }
}

/**
 * The portal pages (a portal link's URL). They hold no data either: their modules send the link's
 * token, from the URL fragment, to `GET /v1/portal/partner` (that partner only) or to
 * `/v1/portal/webhook-endpoint` (that endpoint only).
 */
@ApiExcludeController()
@Controller('portal')
export class PortalPageController {
  private readonly partnerHtml = partnerPortalPage();
  private readonly webhookEndpointHtml = webhookEndpointPortalPage();

  @Get('partner')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return this.partnerHtml;
  }

  @Get('webhook-endpoint')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  webhookEndpoint(): string {
    return this.webhookEndpointHtml;
  }
}
