import { Api, ApiError } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { saveSession } from '../session.js';

/**
 * One field: the admin key or a program key. Which one it is, the API says: only the admin reaches
 * `/v1/projections`, and `/v1/programs` answers a program key with its own program.
 */
export async function signInPage(signedIn: () => void): Promise<HTMLElement> {
  const key = h('input', { type: 'password', name: 'key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const problem = h('div');
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        problem.replaceChildren();
        try {
          const api = new Api(key.value.trim());
          const programs = await api.get('/v1/programs', {}, { limit: '1' });
          const admin = await api.get('/v1/projections', {}).then(
            () => true,
            (error: unknown) => {
              if (error instanceof ApiError && error.code === 'admin_key_required') return false;
              throw error;
            },
          );
          saveSession(admin ? { key: key.value.trim(), role: 'admin' } : { key: key.value.trim(), role: 'program', programId: programs.items[0]?.id });
          signedIn();
        } catch (error) {
          problem.replaceChildren(alertBox(error instanceof ApiError && error.status === 401 ? 'That key is not the admin key nor a program key.' : String((error as Error).message)));
          submit.disabled = false;
          key.focus();
        }
      },
    },
    field('API key (admin or program)', key),
    submit,
  );
  return h(
    'div',
    {},
    h('h1', {}, 'Sign in'),
    h('p', { class: 'sub' }, 'The key stays in this browser tab only (session storage) and is sent only to this server.'),
    h('section', { class: 'card' }, form, problem),
  );
}
