/**
 * Upload a recorded lesson (#/upload) with tus: the file goes up in chunks,
 * an interrupted upload continues where it stopped (also after a page
 * reload: choose the same file again), then the server's processing
 * progress arrives live over socket.io.
 */
import * as tus from 'tus-js-client';
import { call, session, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { bytes, eta } from '../format.ts';
import { t } from '../i18n.ts';
import { lessonsApi } from '../lessonsApi.ts';
import { listen } from '../realtime.ts';
import { onLeave } from '../router.ts';
import { progressBar } from '../progressBar.ts';

const COMMON_SUBJECTS = [
  '语文',
  '数学',
  '英语',
  '道德与法治',
  '科学',
  '物理',
  '化学',
  '生物',
  '历史',
  '地理',
  '音乐',
  '美术',
  '体育与健康',
  '信息科技',
];
const CHUNK = 32 * 1024 * 1024;

function serverMessage(err: unknown): string {
  const res = (err as { originalResponse?: { getBody(): string } | null }).originalResponse;
  if (res) {
    try {
      const body = JSON.parse(res.getBody()) as { error?: { message?: string } };
      if (body.error?.message) return body.error.message;
    } catch {
      /* not JSON: fall through */
    }
  }
  return t('uploadFailed');
}

/** Unfinished uploads remembered by tus-js-client in this browser, with how far each got. */
async function unfinished(): Promise<HTMLElement | null> {
  const all = await tus.defaultOptions.urlStorage.findAllUploads().catch(() => []);
  if (all.length === 0) return null;
  const rows = await Promise.all(
    all.map(async (u) => {
      let offset: number | undefined;
      if (u.uploadUrl) {
        const res = await fetch(u.uploadUrl, {
          method: 'HEAD',
          headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${session.token}` },
        }).catch(() => undefined);
        if (res?.status === 404 || res?.status === 410) {
          await tus.defaultOptions.urlStorage.removeUpload(u.urlStorageKey);
          return null;
        }
        if (res?.ok) offset = Number(res.headers.get('upload-offset'));
      }
      const pct = offset !== undefined && u.size ? Math.floor((offset / u.size) * 100) : undefined;
      return h(
        'li',
        {},
        `${u.metadata.title ?? ''} — ${u.metadata.filename ?? ''}`,
        pct !== undefined ? ` (${pct}%)` : '',
        ' ',
        h(
          'button',
          {
            class: 'small link',
            onclick: async (e: Event) => {
              await tus.defaultOptions.urlStorage.removeUpload(u.urlStorageKey);
              (e.target as HTMLElement).closest('li')?.remove();
            },
          },
          t('forget'),
        ),
      );
    }),
  );
  const live = rows.filter((r): r is HTMLLIElement => !!r);
  if (live.length === 0) return null;
  return h(
    'section',
    { class: 'notice info', 'data-testid': 'unfinished' },
    h('strong', {}, t('unfinishedUploads')),
    h('ul', {}, live),
    h('span', {}, t('unfinishedHint')),
  );
}

export async function renderUpload(me: ApiUser, query = new URLSearchParams()): Promise<HTMLElement> {
  const info = await call('GET /api/district');
  // Co-teachers add class-only videos (微课) for the classes they follow.
  const classVideo = me.role === 'co_teacher';
  const myClasses = classVideo ? (await call('GET /api/classes')).classes : [];
  const grades =
    me.role === 'lead_teacher'
      ? info.grades.filter((g) => (me.grades ?? []).includes(g.number))
      : info.grades;
  const subjects =
    (me.role === 'lead_teacher' || me.role === 'co_teacher') && me.subjects?.length
      ? me.subjects
      : COMMON_SUBJECTS;

  const file = h('input', {
    type: 'file',
    accept: 'video/*,.mp4,.mov,.mkv,.webm,.avi,.flv,.ts',
    required: true,
    'data-testid': 'file',
  });
  const title = h('input', {
    required: true,
    maxlength: 100,
    'data-testid': 'title',
    placeholder: t('titlePlaceholder'),
  });
  const grade = h(
    'select',
    { required: true, 'data-testid': 'grade' },
    grades.map((g) => h('option', { value: g.number }, g.name)),
  );
  const wanted = query.get('class');
  const klass = h(
    'select',
    { required: true, 'data-testid': 'class' },
    myClasses.map((c) => h('option', { value: c.id, selected: c.id === wanted }, c.name)),
  );
  const subject = h('input', {
    required: true,
    maxlength: 20,
    list: 'subjects',
    'data-testid': 'subject',
    value: subjects[0] ?? '',
  });
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'upload-status' });
  const submit = h(
    'button',
    { class: 'primary', type: 'submit', 'data-testid': 'start-upload' },
    t('startUpload'),
  );
  const controls = h('div', { class: 'actions' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    h('label', {}, t('videoFile'), file, h('span', { class: 'hint' }, t('videoFileHint'))),
    classVideo ? h('p', { class: 'notice info', 'data-testid': 'class-video-hint' }, t('microHint')) : '',
    h('label', {}, t('lessonTitle'), title),
    h(
      'div',
      { class: 'row' },
      classVideo ? h('label', {}, t('microClass'), klass) : h('label', {}, t('grade'), grade),
      h('label', {}, t('subject'), subject),
    ),
    h(
      'datalist',
      { id: 'subjects' },
      subjects.map((s) => h('option', { value: s })),
    ),
    submit,
  );

  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f && !title.value) title.value = f.name.replace(/\.[^.]+$/, '').slice(0, 100);
  });

  let current: tus.Upload | null = null;
  onLeave(() => {
    // Leaving the page pauses the upload; it resumes when the same file is chosen again.
    void current?.abort(false);
  });

  const watchProcessing = (lessonId: string) => {
    const box = h(
      'div',
      { 'data-testid': 'processing', 'data-upload-lesson': lessonId },
      progressBar(null, 'processing-progress'),
    );
    status.replaceChildren(
      notice('ok', t('uploadDone')),
      h(
        'section',
        { class: 'card' },
        h('h3', {}, title.value),
        box,
        h('p', {}, h('a', { href: '#/lessons', 'data-testid': 'to-lessons' }, t('toLessons'))),
      ),
    );
    const stop = listen('lesson:update', (u) => {
      if (u.id !== lessonId) return;
      if (u.status === 'ready') {
        box.replaceChildren(
          notice('ok', t('processingReady')),
          h(
            'a',
            { class: 'button primary-link', href: `#/watch/${lessonId}`, 'data-testid': 'watch-new' },
            t('watch'),
          ),
        );
        stop();
      } else if (u.status === 'failed') {
        box.replaceChildren(notice('error', u.error?.message ?? t('uploadFailed')));
        stop();
      } else
        box.replaceChildren(
          progressBar(u.progress, 'processing-progress'),
          u.error ? notice('info', u.error.message) : '',
        );
    });
    onLeave(stop);
    // In case processing finished before the socket listened.
    void lessonsApi.get(lessonId).then(({ lesson }) => {
      if (lesson.status === 'ready' || lesson.status === 'failed') {
        box.replaceChildren(
          lesson.status === 'ready'
            ? h(
                'a',
                { class: 'button primary-link', href: `#/watch/${lessonId}`, 'data-testid': 'watch-new' },
                t('watch'),
              )
            : notice('error', lesson.error?.message ?? t('uploadFailed')),
        );
      }
    });
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return void status.replaceChildren(notice('error', t('chooseVideo')));
    if (f.size === 0) return void status.replaceChildren(notice('error', t('emptyFile')));
    if (!title.value.trim()) return void status.replaceChildren(notice('error', t('needTitle')));
    if (!subject.value.trim()) return void status.replaceChildren(notice('error', t('needSubject')));
    submit.disabled = true;
    const bar = h('div', { class: 'bar', style: 'width:0%' });
    const progress = h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': 0,
        'data-testid': 'upload-progress',
      },
      bar,
    );
    const text = h('span', { class: 'hint', 'data-testid': 'upload-text' }, t('uploadStarting'));
    status.replaceChildren(h('div', { class: 'progress-wrap' }, progress, text));
    let started = performance.now();
    let startBytes = -1;
    const upload = new tus.Upload(f, {
      endpoint: '/api/uploads',
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      headers: { authorization: `Bearer ${session.token}` },
      metadata: {
        filename: f.name,
        filetype: f.type,
        title: title.value.trim(),
        ...(classVideo ? { classId: klass.value } : { grade: grade.value }),
        subject: subject.value.trim(),
      },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress(sent, total) {
        if (startBytes < 0) startBytes = sent;
        const pct = Math.floor((sent / total) * 100);
        bar.style.width = `${pct}%`;
        progress.setAttribute('aria-valuenow', String(pct));
        const secs = (performance.now() - started) / 1000;
        const rate = secs > 1 ? (sent - startBytes) / secs : 0;
        text.textContent = `${pct}% · ${bytes(sent)} / ${bytes(total)}${rate > 0 ? ` · ${bytes(rate)}/s · ${t('etaLeft', { eta: eta((total - sent) / rate) })}` : ''}`;
      },
      onSuccess(payload) {
        current = null;
        controls.replaceChildren();
        submit.disabled = false;
        const body = JSON.parse(payload.lastResponse.getBody() || '{}') as { lessonId?: string };
        if (body.lessonId) watchProcessing(body.lessonId);
        else status.replaceChildren(notice('ok', t('uploadDone')));
      },
      onError(err) {
        current = null;
        submit.disabled = false;
        controls.replaceChildren();
        status.replaceChildren(notice('error', `${serverMessage(err)} ${t('uploadResumeHint')}`));
      },
    });
    current = upload;
    const pause = h('button', { class: 'small', 'data-testid': 'pause' }, t('pause'));
    pause.addEventListener('click', () => {
      if (pause.dataset.paused) {
        delete pause.dataset.paused;
        pause.textContent = t('pause');
        started = performance.now();
        startBytes = -1;
        upload.start();
      } else {
        pause.dataset.paused = '1';
        pause.textContent = t('resume');
        void upload.abort(false);
        text.textContent = `${text.textContent?.split(' · ')[0] ?? ''} · ${t('paused')}`;
      }
    });
    const cancel = h(
      'button',
      { class: 'small link danger', 'data-testid': 'cancel-upload' },
      t('cancelUpload'),
    );
    cancel.addEventListener('click', () => {
      if (!confirm(t('confirmCancelUpload'))) return;
      void upload.abort(true).catch(() => undefined);
      current = null;
      submit.disabled = false;
      controls.replaceChildren();
      status.replaceChildren(notice('info', t('uploadCancelled')));
    });
    controls.replaceChildren(pause, cancel);
    void upload.findPreviousUploads().then((previous) => {
      const prev = previous.find((p) => p.uploadUrl);
      if (prev) {
        upload.resumeFromPreviousUpload(prev);
        text.textContent = t('resumingUpload');
      }
      started = performance.now();
      upload.start();
    });
  });

  const left = await unfinished();
  return h(
    'div',
    { class: 'narrow-page' },
    h('p', {}, h('a', { href: '#/lessons' }, `← ${t('lessonsTitle')}`)),
    h('h1', {}, t('uploadLesson')),
    h('p', { class: 'muted' }, t('uploadIntro')),
    left,
    form,
    controls,
    status,
  );
}
