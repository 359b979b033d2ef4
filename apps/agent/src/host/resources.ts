import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, totalmem } from 'node:os';
import type { AgentResources } from '@outpost/shared';

const MIB = 1024 * 1024;

/**
 * CPU, memory and the disk that holds the state dir (where the agent writes), in MB. A value the
 * host will not give is null rather than a guess.
 */
export async function readResources(stateDir: string): Promise<AgentResources> {
  let diskMb: number | null = null;
  let freeDiskMb: number | null = null;
  try {
    const fs = await statfs(stateDir);
    diskMb = Math.floor((fs.blocks * fs.bsize) / MIB);
    freeDiskMb = Math.floor((fs.bavail * fs.bsize) / MIB);
  } catch {
    // statfs is missing on some platforms and file systems
  }
  return {
    cpuCores: availableParallelism(),
    memoryMb: Math.floor(totalmem() / MIB),
    diskMb,
    freeMemoryMb: Math.floor(freemem() / MIB),
    freeDiskMb,
  };
}

/** Resources change slowly; polls and pings reuse a reading for a few seconds. */
export class ResourceReader {
  private cached: { at: number; value: AgentResources } | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly maxAgeMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async read(): Promise<AgentResources> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs) return this.cached.value;
    const value = await readResources(this.stateDir);
    this.cached = { at: this.now(), value };
    return value;
  }

  /** The last reading, for synchronous answers (LAN ping). */
  last(): AgentResources | undefined {
    return this.cached?.value;
  }
}
