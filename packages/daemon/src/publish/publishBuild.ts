import fs from 'node:fs';
import path from 'node:path';
import type { AgentClient } from '@paddock/guest-agent';
import { MANIFEST_FILE, parseManifest } from '@paddock/manifest';
import { getPreset } from '@paddock/presets';
import {
  PaddockError,
  type BuildStep,
  type PublishSection,
  type RuntimeManifest,
} from '@paddock/shared';
import { readManifest, withPresetBuild } from '../processes/runtimeService.js';

/** What the output of a failed build keeps for its error: its end, where the reason usually is. */
const OUTPUT_TAIL_CHARS = 4000;

/** The manifest a publish follows: the workspace's sandbox.yaml, or its preset's. */
export interface PublishManifest {
  manifest: RuntimeManifest;
  publish: PublishSection;
  /** The text of that sandbox.yaml (a service package carries it). */
  text: string;
  source: 'workspace' | 'preset';
}

/**
 * The app's manifest as a publish needs it: valid, with a publish section (else
 * `publish_manifest_invalid`, the issues in its details), an absent build being the preset's.
 */
export async function publishManifest(
  client: AgentClient,
  presetName: string | null,
): Promise<PublishManifest> {
  const preset = presetName === null ? undefined : getPreset(presetName);
  const own = await readManifest(client);
  const source = own === null ? 'preset' : 'workspace';
  const text =
    own ?? (preset ? fs.readFileSync(path.join(preset.templateDir, MANIFEST_FILE), 'utf8') : '');
  const parsed = parseManifest(text);
  if (!parsed.valid) {
    const first = parsed.errors[0];
    throw new PaddockError(
      'publish_manifest_invalid',
      `${MANIFEST_FILE} is invalid: line ${first?.line}: ${first?.message}`,
      { errors: parsed.errors },
    );
  }
  const manifest = withPresetBuild(parsed.manifest, preset?.manifest);
  if (!manifest.publish) {
    throw new PaddockError(
      'publish_manifest_invalid',
      `${MANIFEST_FILE} has no publish section: add one (type, output, permissions) to publish the app`,
      { errors: [] },
    );
  }
  return { manifest, publish: manifest.publish, text, source };
}

/**
 * Runs the manifest's build in the sandbox, as a task's build check does: `skipped` when the
 * command is empty; a non-zero exit, a timeout or a kill is `publish_build_failed`, with the
 * exit and the end of the output in its details.
 */
export async function runBuild(
  client: AgentClient,
  build: BuildStep | undefined,
): Promise<{ status: 'passed' | 'skipped'; ms: number }> {
  const started = performance.now();
  if (!build || build.command.trim() === '') return { status: 'skipped', ms: 0 };
  let tail = '';
  let exit: { exit_code: number | null; state: string } | null = null;
  for await (const frame of client.execStream({
    command: build.command,
    timeout_ms: build.timeout_seconds * 1000,
  })) {
    if (frame.event === 'stdout' || frame.event === 'stderr') {
      tail = (tail + frame.data.text).slice(-OUTPUT_TAIL_CHARS);
    } else if (frame.event === 'exit') {
      exit = { exit_code: frame.data.exit_code, state: frame.data.state };
    } else if (frame.event === 'error') {
      throw new PaddockError('agent_error', `the build could not run: ${frame.data.message}`);
    }
  }
  const ms = Math.round(performance.now() - started);
  if (exit?.state === 'exited' && exit.exit_code === 0) return { status: 'passed', ms };
  const why =
    exit === null
      ? 'ended without an exit'
      : exit.state === 'exited'
        ? `exited with ${exit.exit_code}`
        : exit.state === 'timed_out'
          ? `timed out after ${build.timeout_seconds} s`
          : exit.state === 'oom'
            ? 'ran out of memory'
            : 'was killed';
  throw new PaddockError('publish_build_failed', `the build (${build.command}) ${why}`, {
    command: build.command,
    exit_code: exit?.exit_code ?? null,
    state: exit?.state ?? null,
    duration_ms: ms,
    output_tail: tail,
  });
}
