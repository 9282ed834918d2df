// Copies the store's Lua commands next to the compiled code: node scripts/copy-lua.mjs <outDir of src>
import { cpSync } from 'node:fs';

const [target] = process.argv.slice(2);
if (!target) throw new Error('usage: node scripts/copy-lua.mjs <compiled src folder>');
cpSync('src/store/redis/lua', `${target}/store/redis/lua`, { recursive: true });
