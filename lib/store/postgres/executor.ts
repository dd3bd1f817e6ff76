/**
 * What the store's query functions run against: the Drizzle database or a transaction on it.
 * Functions taking an Executor can run standalone or as one step of a larger transaction.
 */
import type { Db } from '../../../db/client.js';

export type { Db };
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;
