// The demo console page: state arrives over SSE (/api/events: a snapshot, then updates; shapes in
// ../views.ts), actions go to the console's /api routes, which play customers and the agent on the emulators.

// Flows are drawn as they arrive; customers, tasks and chats are kept too, as the panels combine them.
const state = {
  mode: undefined,
  /** A mode switch is under way: the bridge and the emulators restart. */
  switching: false,
  /** By handle. */
  customers: new Map(),
  tasks: new Map(),
  chats: new Map(),
  faults: { twilio429Armed: false },
  /** The bridge's clock reads outside business hours. */
  afterHours: false,
  /** The SID of the chat (conversation or channel) open in the agent panel. */
  selected: undefined,
  /** The customer message the agent's next message answers ({ sid, text }), as a Flex UI plugin's "Reply" keeps it. */
  replyTo: undefined,
};

const NETWORK_NAMES = { telegram: 'Telegram', discord: 'Discord' };
/** What the agent panel says Flex runs on; the mode buttons' titles say more. */
const MODE_APIS = { conversations: 'Conversations', 'legacy-chat': 'Programmable Chat (legacy)' };
const TASK_STATUS = { pending: 'incoming', accepted: 'chatting', wrapping: 'wrap-up', completed: 'done', canceled: 'canceled' };
const FLOW_STATUS = { active: 'in progress', done: 'done', failed: 'failed' };
/** How a flow's outcome reads, where its kind says more than done or failed. */
const STATUS_BY_KIND = {
  // A forged webhook's flow is done when the bridge refused it, and failed if it got in.
  forged: { active: 'in progress', done: 'refused', failed: 'ACCEPTED' },
  command: { ...FLOW_STATUS, done: 'answered by the bot, not forwarded' },
};

const $ = (id) => document.getElementById(id);

/** A DOM element; strings among the children become text (never HTML). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...present(children.flat()));
  return el;
}

/** Drops the holes that `condition && element` leaves. */
const present = (items) => items.filter((item) => item !== undefined && item !== null && item !== false);

/** Resolves with the response when it is OK; otherwise shows the error and resolves with undefined. */
async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const { error } = await response.json().catch(() => ({}));
    showToast(error ?? `${response.status} ${response.statusText}`);
    return undefined;
  }
  return response;
}

function showToast(message) {
  const toast = $('toast');
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => (toast.hidden = true), 6000);
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const elapsed = (ms) => (ms < 1000 ? `+${Math.round(ms)} ms` : `+${(ms / 1000).toFixed(2)} s`);
const fileSize = (bytes) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 ** 2).toFixed(1)} MB`);
const initials = (name) => name.split(/\s+/).map((part) => part[0] ?? '').join('').slice(0, 2).toUpperCase();

// --- live updates ------------------------------------------------------------------------------

function connect() {
  const source = new EventSource('/api/events');
  const live = $('live');
  source.onopen = () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
  };
  source.onerror = () => {
    live.dataset.state = 'down';
    live.textContent = 'reconnecting…';
  };
  source.onmessage = (event) => apply(JSON.parse(event.data));
}

function apply(update) {
  switch (update.type) {
    case 'snapshot':
      return loadSnapshot(update.snapshot);
    case 'customer':
      return renderCustomer(update.customer);
    case 'task':
      state.tasks.set(update.task.sid, update.task);
      if (state.selected === undefined && update.task.status === 'accepted') state.selected = update.task.chatSid;
      renderTasks();
      return renderChat();
    case 'chat':
      state.chats.set(update.chat.chatSid, update.chat);
      renderTasks();
      if (update.chat.chatSid === state.selected) renderChat();
      return;
    case 'flow':
      return renderFlow(update.flow);
    case 'faults':
      state.faults = update.faults;
      return renderFaults();
    case 'hours':
      state.afterHours = update.afterHours;
      return renderHours();
  }
}

/** The whole state: on (re)connecting, and after a mode switch, when every SID is new. */
function loadSnapshot(snapshot) {
  state.mode = snapshot.mode;
  state.customers = new Map();
  state.tasks = new Map(snapshot.tasks.map((task) => [task.sid, task]));
  state.chats = new Map(snapshot.chats.map((chat) => [chat.chatSid, chat]));
  state.faults = snapshot.faults;
  state.afterHours = snapshot.afterHours;
  if (!snapshot.tasks.some((task) => task.chatSid === state.selected)) state.selected = undefined;

  renderMode();
  $('bridge').textContent = `bridge ${snapshot.bridgeUrl.replace(/^https?:\/\//, '')}`;
  $('bridge').href = `${snapshot.bridgeUrl}/healthz`;
  $('agent-identity').textContent = snapshot.agentIdentity;
  $('add-customer').replaceChildren(
    ...snapshot.networks.map((network) => {
      const name = NETWORK_NAMES[network] ?? network;
      return h('button', { type: 'button', class: `ghost small add-${network}`, title: `Add a ${name} customer`, onclick: () => post('/api/customers', { network }) }, `+ ${name}`);
    }),
  );
  $('customers').replaceChildren();
  for (const customer of snapshot.customers) renderCustomer(customer);
  $('flows').replaceChildren();
  for (const flow of snapshot.flows) renderFlow(flow);
  renderTasks();
  renderChat();
  renderFaults();
  renderHours();
}

// --- files -------------------------------------------------------------------------------------

/** A message's files, served by the console from the emulators' stores: pictures inline, anything else as a named link. */
function fileViews(files) {
  return files.map((file) =>
    file.contentType.startsWith('image/')
      ? h('a', { class: 'file-image', href: file.url, target: '_blank', rel: 'noopener', title: file.name }, h('img', { src: file.url, alt: file.name, onload: keepNewestInView }))
      : h('a', { class: 'file-link', href: file.url, download: file.name }, `📎 ${file.name} · ${fileSize(file.size)}`),
  );
}

/** A picture that loads after its chat was drawn makes the chat taller: scroll on to the newest line. */
function keepNewestInView(event) {
  const lines = event.target.closest('.lines, .chat-lines');
  if (lines) lines.scrollTop = lines.scrollHeight;
}

/** What a message says in a one-line preview. */
const previewOf = (line) => line.text || line.files.map((file) => `📎 ${file.name}`).join(', ');

/** The file's bytes as base64, for the JSON the console's file routes take. */
function base64Of(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.slice(reader.result.indexOf(',') + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The picture the 📷 buttons send. */
async function samplePhoto() {
  const blob = await (await fetch('/sample-photo.png')).blob();
  return new File([blob], 'sample-photo.png', { type: 'image/png' });
}

/** Posts a file with what the composer holds as its caption; the caption comes back if the send fails. */
async function sendFile(path, file, input) {
  const caption = input.value.trim();
  input.value = '';
  const body = { name: file.name, contentType: file.type || 'application/octet-stream', dataBase64: await base64Of(file), caption: caption || undefined };
  if (!(await post(path, body))) input.value = caption;
}

/** Wires a composer's 📷 (the sample photo) and 📎 (any file) buttons to `send(file)`. */
function wireAttachButtons(photoButton, fileButton, picker, send) {
  photoButton.addEventListener('click', async () => send(await samplePhoto()));
  fileButton.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const [file] = picker.files;
    picker.value = '';
    if (file) send(file);
  });
}

function attachButtons(whose) {
  return {
    photo: h('button', { type: 'button', class: 'ghost attach', title: `Send a sample photo ${whose}`, 'aria-label': `Send a sample photo ${whose}` }, '📷'),
    file: h('button', { type: 'button', class: 'ghost attach', title: `Send a file ${whose}`, 'aria-label': `Send a file ${whose}` }, '📎'),
    picker: h('input', { type: 'file', hidden: true }),
  };
}

// --- 1 · customers -----------------------------------------------------------------------------

/** Each customer's card is built once (so typing is never interrupted); updates redraw its lines. */
function renderCustomer(customer) {
  state.customers.set(customer.handle, customer);
  let card = document.querySelector(`[data-customer="${CSS.escape(customer.handle)}"]`);
  if (!card) {
    card = customerCard(customer);
    $('customers').append(card);
  }
  card.dataset.blocked = String(customer.blocked);
  card.querySelector('.blocked-note').hidden = !customer.blocked;
  const lines = card.querySelector('.lines');
  lines.replaceChildren(
    ...(customer.lines.length === 0
      ? [h('p', { class: 'empty' }, `Say hello as ${customer.displayName.split(' ')[0]}: an agent in Flex will answer here.`)]
      : customer.lines.map((line) =>
          h(
            'div',
            { class: `bubble ${line.from}` },
            line.inReplyTo !== undefined && h('blockquote', { class: 'replied' }, line.inReplyTo),
            fileViews(line.files),
            line.text && h('span', { class: 'text' }, line.text),
            h('time', {}, clock(line.at)),
            buttonRow(customer, line),
          ),
        )),
  );
  lines.scrollTop = lines.scrollHeight;
}

/** The buttons under a bot message (Telegram's inline keyboard, Discord's components); a click presses one through the network. */
function buttonRow(customer, line) {
  if (!line.buttons?.length) return undefined;
  return h(
    'div',
    { class: 'bot-buttons' },
    ...line.buttons.map((button) =>
      h(
        'button',
        {
          type: 'button',
          onclick: () => post(`/api/customers/${encodeURIComponent(customer.id)}/presses`, { messageId: line.messageId, data: button.data }),
        },
        button.label,
      ),
    ),
  );
}

function customerCard(customer) {
  const network = NETWORK_NAMES[customer.network] ?? customer.network;
  const input = h('input', { autocomplete: 'off', placeholder: `Write as ${customer.displayName.split(' ')[0]}…`, 'aria-label': `Message as ${customer.handle}` });
  const send = async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === '') return;
    input.value = '';
    if (!(await post(`/api/customers/${encodeURIComponent(customer.id)}/messages`, { text }))) input.value = text;
  };
  const attach = attachButtons(`as ${customer.handle}`);
  wireAttachButtons(attach.photo, attach.file, attach.picker, (file) => sendFile(`/api/customers/${encodeURIComponent(customer.id)}/files`, file, input));
  return h(
    'article',
    { class: `customer-card net-${customer.network}`, dataset: { customer: customer.handle } },
    h(
      'header',
      {},
      h('span', { class: 'avatar' }, initials(customer.displayName)),
      h('div', { class: 'who' }, h('strong', {}, customer.displayName), h('code', {}, customer.handle)),
      h('span', { class: 'network' }, network),
    ),
    h('div', { class: 'lines' }),
    h('p', { class: 'blocked-note', hidden: true }, `${customer.displayName.split(' ')[0]} blocked the bot: nothing reaches them until they write again.`),
    h('form', { class: 'composer', onsubmit: send }, attach.photo, attach.file, attach.picker, input, h('button', { type: 'submit' }, 'Send')),
  );
}

// --- 2 · agent in Flex -------------------------------------------------------------------------

const TASK_ORDER = { pending: 0, accepted: 1, wrapping: 2 };

function renderTasks() {
  const shown = [...state.tasks.values()]
    .filter((task) => task.status !== 'completed' && task.status !== 'canceled')
    .sort((a, b) => TASK_ORDER[a.status] - TASK_ORDER[b.status] || a.createdAt - b.createdAt);
  $('tasks').replaceChildren(
    ...(shown.length === 0 ? [h('li', { class: 'empty' }, 'No tasks. When a customer writes, their task appears here.')] : shown.map(taskItem)),
  );
}

function taskItem(task) {
  const chat = state.chats.get(task.chatSid);
  const last = chat?.lines.at(-1);
  const selectable = task.status !== 'pending';
  return h(
    'li',
    {
      class: `task net-${task.network} status-${task.status}${task.chatSid === state.selected ? ' selected' : ''}`,
      dataset: { task: task.sid, handle: task.handle, status: task.status },
      onclick: selectable ? () => select(task.chatSid) : undefined,
    },
    h('div', { class: 'task-top' }, h('span', { class: 'channel', title: NETWORK_NAMES[task.network] ?? task.network }), h('strong', { class: 'task-name' }, task.handle)),
    h('div', { class: 'task-sub' }, h('span', { class: 'task-status' }, TASK_STATUS[task.status] ?? task.status), task.customerName ? ` · ${task.customerName}` : ''),
    last && h('div', { class: 'task-sub preview' }, `“${previewOf(last)}”`),
    task.status === 'pending' &&
      h('button', { type: 'button', class: 'accept', onclick: (event) => (event.stopPropagation(), accept(task)) }, 'Accept'),
  );
}

async function accept(task) {
  if (await post(`/api/tasks/${task.sid}/accept`)) select(task.chatSid);
}

function select(chatSid) {
  if (chatSid !== state.selected) state.replyTo = undefined;
  state.selected = chatSid;
  renderTasks();
  renderChat();
  $('agent-input').focus();
}

/** The task behind the chat open in the agent panel (one task per Flex conversation). */
function selectedTask() {
  return [...state.tasks.values()].find((task) => task.chatSid === state.selected);
}

function renderChat() {
  const task = selectedTask();
  if (task?.status === 'completed') state.selected = undefined;
  const chat = state.chats.get(state.selected);
  const open = task !== undefined && task.status === 'accepted' && chat?.state !== 'closed';
  for (const id of ['agent-input', 'agent-send', 'agent-photo', 'agent-file']) $(id).disabled = !open;
  $('agent-input').placeholder = open ? `Answer ${task.handle}…` : 'Accept a task to answer';

  if (!task || state.selected === undefined) {
    $('chat-head').replaceChildren();
    $('chat-lines').replaceChildren(
      h('div', { class: 'empty big' }, h('strong', {}, 'No chat open'), h('p', {}, 'Write as a customer, then accept the task that appears here.')),
    );
    return;
  }
  $('chat-head').replaceChildren(
    ...present([
      h('div', { class: 'who' }, h('strong', {}, task.handle), h('span', {}, [task.customerName, NETWORK_NAMES[task.network] ?? task.network].filter(Boolean).join(' · '))),
      task.context.length > 0 &&
        h('dl', { class: 'task-context', id: 'task-context' }, ...task.context.map(({ name, value }) => h('div', { title: `${name}: ${value}` }, h('dt', {}, name), h('dd', {}, value)))),
      task.status === 'accepted' && h('button', { type: 'button', class: 'danger', id: 'end-chat', onclick: () => post(`/api/chats/${task.chatSid}/end`) }, 'End chat'),
      task.status === 'wrapping' && h('button', { type: 'button', id: 'complete-task', onclick: () => post(`/api/tasks/${task.sid}/complete`) }, 'Complete wrap-up'),
    ]),
  );
  // Flex has no reply of its own: the "Reply" button plays a Flex UI plugin that sends `replyTo` in the message's attributes (conversations mode).
  const canReply = open && state.mode === 'conversations';
  const lines = (chat?.lines ?? []).map((line) =>
    h(
      'div',
      { class: `flex-line ${line.role}` },
      line.role !== 'agent' && h('span', { class: 'author' }, line.role === 'bridge' ? 'flex-bridge notice' : task.handle),
      fileViews(line.files),
      line.text && h('span', { class: 'text' }, line.text),
      h('time', {}, clock(line.at)),
      canReply &&
        line.role === 'customer' &&
        h('button', { type: 'button', class: 'ghost reply', 'aria-label': `Reply to “${line.text}”`, onclick: () => replyTo(line) }, '↩ Reply'),
    ),
  );
  if (chat?.state === 'closed') lines.push(h('div', { class: 'flex-line system' }, 'Chat ended. The customer’s next message opens a new task.'));
  $('chat-lines').replaceChildren(...lines);
  const replying = canReply ? state.replyTo : undefined;
  $('agent-replying').hidden = replying === undefined;
  $('agent-replying-text').textContent = replying?.text ?? '';
  $('chat-lines').scrollTop = $('chat-lines').scrollHeight;
}

$('agent-composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('agent-input');
  const text = input.value.trim();
  if (text === '' || state.selected === undefined) return;
  input.value = '';
  const replyTo = state.mode === 'conversations' ? state.replyTo?.sid : undefined;
  state.replyTo = undefined;
  renderChat();
  if (!(await post(`/api/chats/${state.selected}/messages`, { text, ...(replyTo && { replyTo }) }))) input.value = text;
});

function replyTo(line) {
  state.replyTo = { sid: line.sid, text: line.text };
  renderChat();
  $('agent-input').focus();
}

$('agent-replying-cancel').addEventListener('click', () => {
  state.replyTo = undefined;
  renderChat();
});

wireAttachButtons($('agent-photo'), $('agent-file'), $('agent-file-input'), (file) => {
  if (state.selected !== undefined) sendFile(`/api/chats/${state.selected}/files`, file, $('agent-input'));
});

// --- 3 · trace ---------------------------------------------------------------------------------

const FLOW_ICONS = { inbound: '↘', outbound: '↖', ended: '■', forged: '⚠', notice: 'ℹ', command: '/', blocked: '⊘' };

/** As many as the server remembers (trace.ts). */
const MAX_FLOWS = 200;

/** Newest flow on top; an update redraws its card in place. */
function renderFlow(flow) {
  const card = flowCard(flow);
  const existing = document.querySelector(`[data-flow="${CSS.escape(flow.id)}"]`);
  if (existing) return existing.replaceWith(card);
  $('flows').prepend(card);
  while ($('flows').children.length > MAX_FLOWS) $('flows').lastElementChild.remove();
}

function flowCard(flow) {
  const last = flow.hops.at(-1);
  const total = last ? last.at - flow.startedAt : 0;
  const network = flow.subject.split(':')[0];
  const statusWords = STATUS_BY_KIND[flow.kind] ?? FLOW_STATUS;
  return h(
    'li',
    { class: `flow kind-${flow.kind} status-${flow.status}`, dataset: { flow: flow.id, flowKind: flow.kind, status: flow.status, subject: flow.subject } },
    h(
      'div',
      { class: 'flow-head' },
      h('span', { class: `flow-icon net-${network}` }, FLOW_ICONS[flow.kind] ?? '•'),
      h('strong', {}, flow.title),
      h('span', { class: 'flow-status' }, flow.status === 'active' ? statusWords.active : `${statusWords[flow.status]} · ${elapsed(total).slice(1)}`),
    ),
    flow.text && h('q', { class: 'flow-text' }, flow.text),
    h(
      'ol',
      { class: 'hops' },
      flow.hops.map((hop) =>
        h(
          'li',
          { class: `hop hop-${hop.status}` },
          h('span', { class: `chip stage-${hop.stage} net-${network}` }, hop.chip),
          h('span', { class: 'label' }, hop.label),
          h('time', {}, elapsed(hop.at - flow.startedAt)),
        ),
      ),
    ),
  );
}

function renderFaults() {
  const button = $('toggle-429');
  button.setAttribute('aria-pressed', String(state.faults.twilio429Armed));
  button.textContent = state.faults.twilio429Armed ? '429 armed: now write as a customer' : 'Twilio 429 on next call';
}

function renderHours() {
  const button = $('toggle-hours');
  button.setAttribute('aria-pressed', String(state.afterHours));
  button.textContent = state.afterHours ? 'After hours: new chats wait' : 'Open · 09:00–17:00';
}

/** The customer the "blocks the bot" button plays: the one whose chat is open, else the first Telegram customer. */
function blockingCustomer() {
  const open = selectedTask();
  const customers = [...state.customers.values()];
  return customers.find((c) => c.handle === open?.handle) ?? customers.find((c) => c.network === 'telegram');
}

// --- header: Flex mode -------------------------------------------------------------------------

function renderMode() {
  $('mode-switch').dataset.state = state.switching ? 'switching' : 'ready';
  for (const button of $('mode-switch').querySelectorAll('[data-mode]')) {
    button.setAttribute('aria-pressed', String(button.dataset.mode === state.mode));
    button.disabled = state.switching;
  }
  $('flex-apis').textContent = `emulated · ${MODE_APIS[state.mode] ?? state.mode}`;
}

async function switchMode(mode) {
  if (mode === state.mode || state.switching) return;
  state.switching = true;
  renderMode();
  const response = await post('/api/mode', { mode });
  state.switching = false;
  // The stream brings the same snapshot; drawing it twice is harmless.
  if (response) loadSnapshot(await response.json());
  else renderMode();
}

$('toast').addEventListener('click', () => ($('toast').hidden = true));
for (const button of $('mode-switch').querySelectorAll('[data-mode]')) button.addEventListener('click', () => switchMode(button.dataset.mode));
$('forge').addEventListener('click', () => post('/api/faults/forged-webhook', state.selected ? { chatSid: state.selected } : {}));
$('toggle-429').addEventListener('click', () => post('/api/faults/twilio-429'));
$('toggle-hours').addEventListener('click', () => post('/api/hours'));
$('no-agent').addEventListener('click', () => post('/api/faults/no-agent'));
$('cancel-task').addEventListener('click', () => post('/api/faults/task-canceled'));
$('block-bot').addEventListener('click', () => {
  const customer = blockingCustomer();
  if (customer) post(`/api/customers/${encodeURIComponent(customer.id)}/block`);
  else showToast('Add a Telegram customer first');
});

connect();
