/** One line of the demo's timeline: what an instance did, `t` ms after the demo started. */
export interface DemoEvent {
  t: number;
  instance: string;
  kind:
    | 'job-start'
    | 'job-end'
    | 'leader-start'
    | 'leader-tick'
    | 'leader-stop'
    | 'once-fired'
    | 'lock-lost'
    | 'crashed'
    | 'note';
  fence?: number;
  key?: string;
  attempt?: number;
  text?: string;
}

/** Timings of the demo, in ms. */
export interface DemoSettings {
  jobInterval: number;
  jobTtl: number;
  leaderTtl: number;
  leaderTick: number;
  onceJobs: number;
}

export const DEFAULT_SETTINGS: DemoSettings = {
  jobInterval: 2_000,
  jobTtl: 3_000,
  leaderTtl: 3_000,
  leaderTick: 1_000,
  onceJobs: 30,
};
