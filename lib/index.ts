export { createCluster, type Cluster, type ClusterOptions } from './cluster.js';
export type { Mutex, MutexOptions, LockOptions } from './mutex.js';
export type { Lease } from './lease.js';
export type { WithClusterLockOptions } from './with-cluster-lock.js';
export type { JobMetadata, JobRun, NextWaitInterval } from './job.js';
export type { OnceJob, OnceOptions, OnceRun, OnceScheduler } from './once.js';
export type { ClusterEvent, ClusterEventType } from './events.js';
export type { Logger } from './logger.js';
export { ClusterError, JobExistsError, LockLostError, LockNotHeldError, LockTimeoutError } from './errors.js';
export { memoryStore, type MemoryStoreOptions } from './stores/memory-store.js';
export { redisStore, type RedisClientLike, type RedisStoreOptions } from './stores/redis-store.js';
export type { SubscriberClient } from './stores/channel-hub.js';
export type {
  AcquireResult,
  ClaimedOnceJob,
  ClusterStore,
  HeldLock,
  Notice,
  OnceClaim,
  RecurringJob,
  StoredOnceJob,
} from './stores/store.js';
export { everyInterval, roundedInterval } from './schedules.js';
export type { JobFactory, JobOptions, JobSchedule } from './job.js';
