// Event types: the built-in and registered ones, registering and retiring, and how to publish.
import { base, del, get, post } from './api.js';
import { field, h, mount } from './dom.js';

export async function render(main, { app }) {
  const types = (await get('/api/event-types')).data;
  const canWrite = app.can('write:events');
  const name = field('Name', h('input', { placeholder: 'invoice.paid', required: true }),
    'resource.action, lower case; webhook.* is reserved.');
  const description = field('Description', h('input', { required: true }));
  const register = h('form', { class: 'card', on: { submit: async (event) => {
    event.preventDefault();
    name.show(null); description.show(null);
    try { await post('/api/event-types', { name: name.input.value.trim(),
      description: description.input.value.trim() }); app.toast('Event type registered'); app.route(); }
    catch (error) { (/description/i.test(error.message) ? description : name).show(error.message); }
  } } }, h('h2', {}, 'Register an event type'), name.wrap, description.wrap, h('button', { class: 'primary', type: 'submit' }, 'Register'));
  const first = types.find((t) => t.name === 'contact.created') ?? types[0];
  const sample = first?.name ?? 'contact.created';
  const data = JSON.stringify(first?.example ?? { id: '123' });
  mount(main, h('h1', {}, 'Event types'),
    h('table', { 'aria-label': 'Event types' }, h('thead', {}, h('tr', {}, ['Name', 'Description', 'Example data', ''].map((t) => h('th',
      { scope: 'col' }, t)))),
      h('tbody', {}, types.map((type) => h('tr', {}, h('td', {}, h('code', {}, type.name)), h('td', {}, type.description),
        h('td', {}, h('details', {}, h('summary', {}, 'Show'), h('pre', {}, JSON.stringify(type.example, null, 2)))),
        h('td', {}, canWrite ? h('button', { class: 'danger', 'aria-label': `Retire ${type.name}`, on: { click: async () => {
          try {
            await del(`/api/event-types/${encodeURIComponent(type.name)}`);
            app.toast(`${type.name} retired`);
            app.route();
          } catch (error) { app.fail(error); }
        } } }, 'Retire') : null))))),
    canWrite ? register : h('p', { class: 'muted' }, 'Registering and retiring event types needs the write:events permission.'),
    h('h2', {}, 'Publish an event'),
    h('p', {}, 'The CRM publishes with a key holding write:events:'),
    h('pre', {}, `curl -X POST ${location.origin}${base}/api/events \\\n` +
      `  -H "Authorization: Bearer $SWITCHBOARD_KEY" -H "Content-Type: application/json" \\\n` +
      `  -d '{"type": "${sample}", "data": ${data}}'`),
    h('pre', {}, `// Node 18+\nawait fetch("${location.origin}${base}/api/events", {\n  method: "POST",\n` +
      `  headers: { Authorization: \`Bearer \${process.env.SWITCHBOARD_KEY}\`, "Content-Type": "application/json" },\n` +
      `  body: JSON.stringify({ type: "${sample}", data: ${data} }),\n});`),
    h('pre', {}, `# Python\nimport os, requests\nrequests.post("${location.origin}${base}/api/events",\n` +
      `    headers={"Authorization": f"Bearer {os.environ['SWITCHBOARD_KEY']}"},\n    json={"type": "${sample}", "data": ${data}})`));
}
