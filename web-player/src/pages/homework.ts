/**
 * Homework pages (作业):
 * - #/homework — a student's list (newest due first, with state and
 *   feedback); a co-teacher's classes;
 * - #/class/<id>/homework — the co-teacher sets homework (the day's total
 *   against the level's limit shown before publishing), sees each
 *   assignment's counts, the student × assignment table, and today's
 *   in-depth marking proposal;
 * - #/homework/<id> — a student hands in (photos resized here, a voice
 *   recording, text) and sees the feedback; staff see every submission and
 *   mark it.
 */
import { call, errorText, type ApiUser, type ResponseOf } from '../api.ts';
import { h, notice } from '../dom.ts';
import { bytes, dateTime } from '../format.ts';
import { t, type MessageKey } from '../i18n.ts';
import { navigate, onLeave } from '../router.ts';
import { fileUrl, resizePhoto, uploadHomeworkFile, type Attachment } from '../homeworkFiles.ts';

type Detail = ResponseOf<'GET /api/homework/:id'>;
type Submission = Detail['submissions'][number];
type State = 'missing' | 'submitted' | 'late' | 'marked' | 'redo';

export const stateBadge = (s: State) =>
  h('span', { class: `badge hw-${s}`, 'data-testid': 'hw-state' }, t(`hw.state.${s}` as MessageKey));

const gradeText = (g?: string) => (g ? t(`hw.grade.${g}` as MessageKey) : '');

/** Shows files: photos as pictures, recordings as players, PDFs as links. */
function attachmentList(files: Attachment[]): HTMLElement {
  const box = h('div', { class: 'hw-files' });
  for (const f of files) {
    const slot = h(
      'div',
      { class: 'hw-file' },
      h('span', { class: 'muted' }, `${f.name} · ${bytes(f.size)}`),
    );
    box.append(slot);
    void fileUrl(f.id)
      .then((url) => {
        if (f.kind === 'image')
          slot.replaceChildren(
            h(
              'a',
              { href: url, target: '_blank', rel: 'noopener' },
              h('img', { src: url, alt: f.name, class: 'hw-photo' }),
            ),
          );
        else if (f.kind === 'audio') slot.replaceChildren(h('audio', { controls: true, src: url }));
        else slot.replaceChildren(h('a', { href: url, download: f.name }, `📄 ${f.name}`));
      })
      .catch((e: unknown) => slot.append(notice('error', errorText(e))));
  }
  return box;
}

export function markView(s: Pick<Submission, 'mark'>): HTMLElement | false {
  const m = s.mark;
  if (!m) return false;
  return h(
    'div',
    { class: 'hw-mark', 'data-testid': 'hw-feedback' },
    h(
      'p',
      {},
      h('strong', {}, t('hw.feedback')),
      ' ',
      m.grade ? h('span', { class: 'badge' }, gradeText(m.grade)) : '',
      m.score !== undefined ? h('span', { class: 'badge' }, t('hw.scoreOf', { score: m.score })) : '',
      m.redo ? h('span', { class: 'badge hw-redo' }, t('hw.state.redo')) : '',
    ),
    m.comment ? h('p', { class: 'hw-comment' }, m.comment) : '',
    m.voiceComment ? attachmentList([m.voiceComment]) : '',
    h('p', { class: 'hint' }, `${m.markedByName} · ${dateTime(m.markedAt)}`),
  );
}

// ---- #/homework

export async function renderHomework(me: ApiUser): Promise<HTMLElement> {
  if (me.role !== 'student') {
    const { classes } = await call('GET /api/classes');
    return h(
      'div',
      {},
      h('h1', {}, t('hw.title')),
      classes.length === 0
        ? h('p', { class: 'empty' }, t('hw.noClasses'))
        : h(
            'ul',
            { class: 'link-list' },
            classes.map((c) => h('li', {}, h('a', { href: `#/class/${c.id}/homework` }, c.name))),
          ),
    );
  }
  const { items } = await call('GET /api/homework/mine');
  const page = h('div', { 'data-testid': 'my-homework' }, h('h1', {}, t('hw.title')));
  if (items.length === 0) {
    page.append(h('p', { class: 'empty' }, t('hw.noneYet')));
    return page;
  }
  for (const it of items) {
    const a = it.assignment;
    page.append(
      h(
        'a',
        { class: 'card hw-card', href: `#/homework/${a.id}`, 'data-testid': 'hw-item' },
        h(
          'div',
          { class: 'hw-card-head' },
          h('strong', {}, `${a.subject} · ${a.title}`),
          stateBadge(it.state),
        ),
        h(
          'p',
          { class: 'hint' },
          t('hw.dueAt', { time: dateTime(a.dueAt) }),
          ' · ',
          t('hw.minutes', { n: a.expectedMinutes }),
        ),
        it.submission?.mark?.comment
          ? h('p', { class: 'hw-comment' }, `“${it.submission.mark.comment}”`)
          : '',
      ),
    );
  }
  return page;
}

// ---- #/class/<id>/homework

export async function renderClassHomework(me: ApiUser, classId: string): Promise<HTMLElement> {
  const [{ class: cls }, view, rotation, { classes }] = await Promise.all([
    call('GET /api/classes/:id', { params: { id: classId } }),
    call('GET /api/classes/:id/homework', { params: { id: classId } }),
    call('GET /api/classes/:id/homework/rotation', { params: { id: classId }, query: {} }),
    call('GET /api/classes'),
  ]);
  const page = h(
    'div',
    { 'data-testid': 'class-homework' },
    h('p', {}, h('a', { href: `#/class/${classId}` }, `← ${cls.name}`)),
    h('h1', {}, `${cls.name} · ${t('hw.title')}`),
  );
  if (me.role === 'co_teacher') page.append(newAssignmentForm(me, classId, classes));

  // Today's in-depth marking (精批) proposal.
  page.append(
    h(
      'section',
      { class: 'card', 'data-testid': 'hw-rotation' },
      h('h2', {}, t('hw.rotationTitle')),
      h(
        'p',
        { class: 'hint' },
        t('hw.rotationHint', {
          n: rotation.perDay,
          covered: rotation.coveredThisRound,
          size: rotation.classSize,
        }),
      ),
      rotation.proposed.length === 0
        ? h('p', { class: 'empty' }, t('hw.rotationDone'))
        : h(
            'ul',
            { class: 'chips' },
            rotation.proposed.map((s) =>
              h(
                'li',
                { 'data-testid': 'hw-proposed' },
                s.name,
                s.lastInDepth ? h('span', { class: 'hint' }, ` ${s.lastInDepth}`) : '',
              ),
            ),
          ),
      rotation.markedToday.length > 0 &&
        h('p', {}, `${t('hw.markedToday')}: `, rotation.markedToday.map((s) => s.name).join('、')),
    ),
  );

  if (view.assignments.length === 0) {
    page.append(h('p', { class: 'empty' }, t('hw.noAssignments')));
    return page;
  }
  page.append(
    h('h2', {}, t('hw.assignments')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'hw-assignments' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, t('hw.assignment')),
            h('th', {}, t('hw.due')),
            ...(['submitted', 'late', 'missing', 'marked', 'redo'] as const).map((s) =>
              h('th', {}, t(`hw.state.${s}` as MessageKey)),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          view.assignments.map((a) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/homework/${a.id}` }, `${a.subject} · ${a.title}`)),
              h('td', {}, dateTime(a.dueAt)),
              h('td', {}, a.counts.submitted),
              h('td', {}, a.counts.late),
              h('td', {}, a.counts.missing),
              h('td', {}, a.counts.marked),
              h('td', {}, a.counts.redo),
            ),
          ),
        ),
      ),
    ),
    h('h2', {}, t('hw.perStudent')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'hw-matrix' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, t('displayName')),
            view.assignments.map((a) => h('th', { title: a.title }, a.title.slice(0, 8))),
          ),
        ),
        h(
          'tbody',
          {},
          view.students.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, s.name),
              view.assignments.map((a) => h('td', {}, stateBadge(s.states[a.id] ?? 'missing'))),
            ),
          ),
        ),
      ),
    ),
  );
  return page;
}

function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function newAssignmentForm(
  me: ApiUser,
  classId: string,
  classes: ResponseOf<'GET /api/classes'>['classes'],
): HTMLElement {
  const mine = classes.filter((c) => me.classIds?.includes(c.id));
  const title = h('input', { name: 'title', required: true, maxlength: 100, 'data-testid': 'hw-title' });
  const subject = h('input', {
    name: 'subject',
    required: true,
    maxlength: 20,
    value: me.subjects?.[0] ?? '',
  });
  const instructions = h('textarea', {
    name: 'instructions',
    rows: 3,
    maxlength: 4000,
    'data-testid': 'hw-instructions',
  });
  const due = h('input', {
    name: 'due',
    type: 'datetime-local',
    required: true,
    value: localInput(new Date(Date.now() + 20 * 3600_000)),
  });
  const minutes = h('input', {
    name: 'minutes',
    type: 'number',
    min: 1,
    max: 180,
    value: 20,
    required: true,
    'data-testid': 'hw-minutes',
  });
  const boxes = mine.map((c) =>
    h(
      'label',
      { class: 'inline' },
      h('input', { type: 'checkbox', value: c.id, checked: c.id === classId }),
      ` ${c.name}`,
    ),
  );
  const load = h('div', { 'data-testid': 'hw-load', 'aria-live': 'polite' });
  const status = h('div', { class: 'status-area' });
  const submit = h('button', { type: 'submit', 'data-testid': 'hw-publish' }, t('hw.publish'));
  const chosen = () =>
    boxes
      .map((b) => b.querySelector('input')!)
      .filter((i) => i.checked)
      .map((i) => i.value);

  let timer: number | undefined;
  const refreshLoad = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const ids = chosen();
      if (!ids.length) return load.replaceChildren();
      try {
        const l = await call('GET /api/homework/load', {
          query: { classIds: ids.join(','), minutes: String(Number(minutes.value) || 0) },
        });
        load.replaceChildren(
          ...l.classes.map((c) =>
            h(
              'p',
              { class: c.over ? 'notice error' : 'hint' },
              t('hw.loadLine', {
                cls: c.className,
                set: c.setMinutes,
                total: c.withNew,
                limit: c.limitMinutes,
              }),
            ),
          ),
        );
        submit.disabled = l.classes.some((c) => c.over);
      } catch (e) {
        load.replaceChildren(notice('error', errorText(e)));
      }
    }, 250);
  };
  minutes.addEventListener('input', refreshLoad);
  boxes.forEach((b) => b.addEventListener('change', refreshLoad));
  onLeave(() => window.clearTimeout(timer));
  refreshLoad();

  const form = h(
    'form',
    {
      class: 'card form',
      'data-testid': 'hw-new',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        submit.disabled = true;
        status.replaceChildren(notice('info', t('hw.publishing')));
        try {
          const { assignment } = await call('POST /api/homework', {
            body: {
              classIds: chosen(),
              title: title.value,
              subject: subject.value,
              instructions: instructions.value,
              dueAt: new Date(due.value).toISOString(),
              expectedMinutes: Number(minutes.value),
            },
          });
          status.replaceChildren(notice('ok', t('hw.published', { title: assignment.title })));
          navigate(`#/class/${classId}/homework`);
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, t('hw.new')),
    h('label', {}, t('hw.titleLabel'), title),
    h('label', {}, t('subject'), subject),
    h('label', {}, t('hw.instructions'), instructions),
    h(
      'div',
      { class: 'row' },
      h('label', {}, t('hw.due'), due),
      h('label', {}, t('hw.expectedMinutes'), minutes),
    ),
    mine.length > 1 && h('fieldset', {}, h('legend', {}, t('hw.forClasses')), boxes),
    load,
    status,
    submit,
  );
  // With one class the checkbox is not shown; chosen() still reads it.
  return form;
}

// ---- #/homework/<id>

export async function renderHomeworkItem(me: ApiUser, id: string): Promise<HTMLElement> {
  const d = await call('GET /api/homework/:id', { params: { id } });
  const a = d.assignment;
  const page = h(
    'div',
    { 'data-testid': 'homework-item' },
    h(
      'p',
      {},
      h(
        'a',
        { href: me.role === 'student' ? '#/homework' : `#/class/${a.classIds[0]}/homework` },
        `← ${t('hw.title')}`,
      ),
    ),
    h('h1', {}, `${a.subject} · ${a.title}`),
    h(
      'p',
      { class: 'hint' },
      t('hw.dueAt', { time: dateTime(a.dueAt) }),
      ' · ',
      t('hw.minutes', { n: a.expectedMinutes }),
      ' · ',
      a.createdByName,
    ),
    a.instructions ? h('p', { class: 'hw-instructions' }, a.instructions) : '',
    a.attachments.length ? attachmentList(a.attachments) : '',
  );
  if (me.role === 'student') page.append(studentPart(d));
  else page.append(await staffPart(me, d));
  return page;
}

function studentPart(d: Detail): HTMLElement {
  const mine = d.submissions[0];
  const box = h('section', {});
  if (mine) {
    box.append(
      h(
        'div',
        { class: 'card', 'data-testid': 'my-submission' },
        h(
          'h2',
          {},
          t('hw.mySubmission'),
          ' ',
          stateBadge(mine.mark ? (mine.mark.redo ? 'redo' : 'marked') : mine.late ? 'late' : 'submitted'),
        ),
        h('p', { class: 'hint' }, `${dateTime(mine.submittedAt)} · ${t('hw.version', { n: mine.version })}`),
        mine.text ? h('p', {}, mine.text) : '',
        attachmentList(mine.attachments),
        markView(mine),
      ),
    );
  }
  if (!mine || mine.mark?.redo || !mine.mark)
    box.append(submitForm(d.assignment.id, mine ? (mine.mark?.redo ? 'redo' : 'change') : 'first'));
  if (d.history?.length)
    box.append(
      h(
        'details',
        {},
        h('summary', {}, t('hw.history', { n: d.history.length })),
        d.history.map((s) =>
          h(
            'div',
            { class: 'card' },
            h('p', { class: 'hint' }, `${t('hw.version', { n: s.version })} · ${dateTime(s.submittedAt)}`),
            s.text ? h('p', {}, s.text) : '',
            attachmentList(s.attachments),
            markView(s),
          ),
        ),
      ),
    );
  return box;
}

function submitForm(assignmentId: string, mode: 'first' | 'change' | 'redo'): HTMLElement {
  const again = mode !== 'first';
  const photos = h('input', {
    type: 'file',
    accept: 'image/*',
    multiple: true,
    capture: 'environment',
    'data-testid': 'hw-photos',
  });
  const text = h('textarea', {
    rows: 3,
    maxlength: 4000,
    'data-testid': 'hw-text',
    placeholder: t('hw.textPlaceholder'),
  });
  const list = h('ul', { class: 'hw-uploads', 'data-testid': 'hw-uploads' });
  const status = h('div', { class: 'status-area' });
  const submit = h(
    'button',
    { type: 'submit', 'data-testid': 'hw-submit' },
    again ? t('hw.submitAgain') : t('hw.submit'),
  );
  let voice: Blob | null = null;
  const rec = voiceRecorder((b) => (voice = b));

  const send = async (blob: Blob, name: string): Promise<Attachment> => {
    const bar = h('div', { class: 'bar', style: 'width:0%' });
    const label = h('span', { class: 'hint' }, `${name} · ${bytes(blob.size)}`);
    const row = h(
      'li',
      {},
      label,
      h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, bar),
    );
    list.append(row);
    const f = await uploadHomeworkFile(blob, name, (sent, total) => {
      bar.style.width = `${Math.floor((sent / total) * 100)}%`;
    });
    label.textContent = `✓ ${name} · ${bytes(f.size)}`;
    return f;
  };

  return h(
    'form',
    {
      class: 'card form',
      'data-testid': 'hw-submit-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        submit.disabled = true;
        list.replaceChildren();
        status.replaceChildren(notice('info', t('hw.sending')));
        try {
          const ids: string[] = [];
          for (const [i, file] of [...(photos.files ?? [])].entries()) {
            const small = await resizePhoto(file);
            ids.push((await send(small, `photo-${i + 1}.jpg`)).id);
          }
          if (voice) ids.push((await send(voice, 'voice.webm')).id);
          await call('PUT /api/homework/:id/submission', {
            params: { id: assignmentId },
            body: { text: text.value.trim() || undefined, attachmentIds: ids },
          });
          status.replaceChildren(notice('ok', t('hw.sent')));
          navigate(`#/homework/${assignmentId}`);
        } catch (e) {
          // What went up stays up: sending again resumes unfinished files.
          status.replaceChildren(notice('error', errorText(e)));
          submit.disabled = false;
        }
      },
    },
    h(
      'h2',
      {},
      mode === 'redo' ? t('hw.redoTitle') : mode === 'change' ? t('hw.changeTitle') : t('hw.handIn'),
    ),
    h('label', {}, t('hw.photos'), photos),
    h('p', { class: 'hint' }, t('hw.photosHint')),
    rec,
    h('label', {}, t('hw.text'), text),
    list,
    status,
    submit,
  );
}

/** A small voice recorder (MediaRecorder); hidden where the browser has none. */
function voiceRecorder(done: (b: Blob | null) => void): HTMLElement {
  if (typeof MediaRecorder === 'undefined') return h('span', {});
  const status = h('span', { class: 'hint' });
  let recorder: MediaRecorder | null = null;
  const button = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'hw-voice' },
    t('hw.recordVoice'),
  );
  button.addEventListener('click', async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks: Blob[] = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        const blob = new Blob(chunks, { type: recorder?.mimeType || 'audio/webm' });
        recorder = null;
        done(blob);
        button.textContent = t('hw.recordAgain');
        status.textContent = ` ✓ ${t('hw.voiceReady', { size: bytes(blob.size) })}`;
      };
      recorder.start();
      button.textContent = t('hw.stopRecording');
      status.textContent = ` ● ${t('hw.recording')}`;
    } catch (e) {
      status.textContent = ` ${errorText(e)}`;
    }
  });
  onLeave(() => recorder?.stop());
  return h('p', {}, button, status);
}

async function staffPart(me: ApiUser, d: Detail): Promise<HTMLElement> {
  const box = h('section', {});
  const proposed = new Set<string>();
  if (me.role === 'co_teacher') {
    for (const c of d.assignment.classIds.filter((c) => me.classIds?.includes(c))) {
      const r = await call('GET /api/classes/:id/homework/rotation', { params: { id: c }, query: {} });
      r.proposed.forEach((s) => proposed.add(s.id));
    }
  }
  box.append(
    h('h2', {}, t('hw.submissions', { n: d.submissions.length })),
    d.missing?.length
      ? h(
          'p',
          { class: 'hint', 'data-testid': 'hw-missing' },
          `${t('hw.state.missing')}: ${d.missing.map((m) => m.name).join('、')}`,
        )
      : '',
  );
  if (d.submissions.length === 0) box.append(h('p', { class: 'empty' }, t('hw.noSubmissions')));
  for (const s of d.submissions) {
    box.append(
      h(
        'div',
        { class: 'card', 'data-testid': 'hw-submission' },
        h(
          'h3',
          {},
          s.studentName,
          ' ',
          stateBadge(s.mark ? (s.mark.redo ? 'redo' : 'marked') : s.late ? 'late' : 'submitted'),
          proposed.has(s.studentId) ? h('span', { class: 'badge hw-proposed' }, t('hw.proposedBadge')) : '',
        ),
        h('p', { class: 'hint' }, `${dateTime(s.submittedAt)} · ${t('hw.version', { n: s.version })}`),
        s.text ? h('p', {}, s.text) : '',
        attachmentList(s.attachments),
        markView(s),
        me.role === 'co_teacher' && me.classIds?.some((c) => d.assignment.classIds.includes(c))
          ? markForm(d.assignment.id, s, proposed.has(s.studentId))
          : '',
      ),
    );
  }
  return box;
}

function markForm(assignmentId: string, s: Submission, proposed: boolean): HTMLElement {
  const grade = h(
    'select',
    { 'data-testid': 'hw-grade' },
    h('option', { value: '' }, '—'),
    (['excellent', 'good', 'needs_work'] as const).map((g) =>
      h('option', { value: g, selected: s.mark?.grade === g }, gradeText(g)),
    ),
  );
  const score = h('input', {
    type: 'number',
    min: 0,
    max: 100,
    placeholder: '0–100',
    value: s.mark?.score ?? '',
  });
  const comment = h(
    'textarea',
    { rows: 2, maxlength: 2000, 'data-testid': 'hw-comment' },
    s.mark?.comment ?? '',
  );
  const redo = h('input', { type: 'checkbox', 'data-testid': 'hw-redo' });
  const inDepth = h('input', { type: 'checkbox', checked: proposed, 'data-testid': 'hw-indepth' });
  const status = h('div', { class: 'status-area' });
  let voice: Blob | null = null;
  const rec = voiceRecorder((b) => (voice = b));
  const submit = h('button', { type: 'submit', 'data-testid': 'hw-mark' }, t('hw.saveMark'));
  return h(
    'form',
    {
      class: 'form hw-mark-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        submit.disabled = true;
        try {
          const voiceAttachmentId = voice
            ? (await uploadHomeworkFile(voice, 'comment.webm', () => undefined)).id
            : undefined;
          await call('POST /api/homework/:id/submissions/:studentId/mark', {
            params: { id: assignmentId, studentId: s.studentId },
            body: {
              grade: (grade.value || undefined) as 'excellent' | 'good' | 'needs_work' | undefined,
              score: score.value === '' ? undefined : Number(score.value),
              comment: comment.value.trim() || undefined,
              voiceAttachmentId,
              redo: redo.checked,
              inDepth: inDepth.checked,
            },
          });
          navigate(`#/homework/${assignmentId}`);
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
          submit.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'row' },
      h('label', {}, t('hw.gradeLabel'), grade),
      h('label', {}, t('hw.score'), score),
    ),
    h('label', {}, t('hw.comment'), comment),
    rec,
    h('label', { class: 'inline' }, redo, ` ${t('hw.askRedo')}`),
    h('label', { class: 'inline' }, inDepth, ` ${t('hw.inDepth')}`),
    status,
    submit,
  );
}
