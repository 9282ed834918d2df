/** ioredis's own slot helper, used by the tests as the reference for hashSlot. */
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
