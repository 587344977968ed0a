/** Uploads a file with the real tus client (tus-js-client), as the web page does. */
import fs from 'node:fs';
import * as tus from 'tus-js-client';

export interface TusResult {
  url: string;
  status: number;
  body: string;
  progress: number[];
}

export function tusUpload(
  baseUrl: string,
  token: string,
  file: string,
  metadata: Record<string, string>,
  opts: { chunkSize?: number; endpoint?: string } = {},
): Promise<TusResult> {
  const size = fs.statSync(file).size;
  const progress: number[] = [];
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(fs.createReadStream(file), {
      endpoint: `${baseUrl}${opts.endpoint ?? '/api/uploads'}`,
      uploadSize: size,
      chunkSize: opts.chunkSize ?? 4 * 1024 * 1024,
      retryDelays: [],
      headers: { authorization: `Bearer ${token}` },
      metadata: { filename: file.split('/').pop()!, ...metadata },
      onProgress: (sent) => progress.push(sent),
      onSuccess: (payload) =>
        resolve({
          url: upload.url!,
          status: payload.lastResponse.getStatus(),
          body: payload.lastResponse.getBody(),
          progress,
        }),
      onError: (err) => reject(err),
    });
    upload.start();
  });
}

export function tusErrorBody(err: unknown): { status: number; body: string } {
  const res = (err as { originalResponse?: { getStatus(): number; getBody(): string } }).originalResponse;
  return { status: res?.getStatus() ?? 0, body: res?.getBody() ?? String(err) };
}
