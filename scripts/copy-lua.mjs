// Copies the store's Lua commands next to the compiled code: node scripts/copy-lua.mjs <outDir of src>
// The folder is replaced, not merged: a command renamed for a new key count (redeem-9.lua to
// redeem-10.lua) must not leave its old file behind for the loader to find.
import { cpSync, rmSync } from 'node:fs';

const [target] = process.argv.slice(2);
if (!target) throw new Error('usage: node scripts/copy-lua.mjs <compiled src folder>');
rmSync(`${target}/store/redis/lua`, { recursive: true, force: true });
cpSync('src/store/redis/lua', `${target}/store/redis/lua`, { recursive: true });
