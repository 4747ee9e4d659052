/** The bots the demo serves. */
import { taxi } from './taxi';

export const bots = [taxi];
