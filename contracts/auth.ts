/** Signing in and out on the wire. */
import { z } from 'zod';
import { IsoTime } from './common.ts';
import { User } from './district.ts';

export const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
export type Login = z.infer<typeof Login>;
export const LoggedIn = z.object({ token: z.string(), expiresAt: IsoTime, user: User });
export const Me = z.object({ user: User });
