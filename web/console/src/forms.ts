// Form fields with labels, and the API's validation messages shown next to the field they name.

import { ApiError } from './api.js';
import { h, type Child } from './dom.js';

export interface FieldOptions {
  name: string;
  label: string;
  type?: 'text' | 'number' | 'checkbox';
  value?: string;
  checked?: boolean;
  hint?: string;
  required?: boolean;
  min?: number;
  max?: number;
  step?: string;
  placeholder?: string;
}

/** A labelled input with a place for its error; ids are derived from the form's id. */
export function field(formId: string, options: FieldOptions): HTMLElement {
  const id = `${formId}-${options.name}`;
  const hintId = options.hint ? `${id}-hint` : undefined;
  const input = h('input', {
    id,
    name: options.name,
    type: options.type ?? 'text',
    value: options.value,
    checked: options.checked,
    required: options.required,
    min: options.min,
    max: options.max,
    step: options.step,
    placeholder: options.placeholder,
    // An empty error says nothing; a message put there is read with the field.
    'aria-describedby': [hintId, `${id}-error`].filter(Boolean).join(' '),
    autocomplete: 'off',
  });
  return h(
    'div',
    { class: options.type === 'checkbox' ? 'field checkbox' : 'field' },
    h('label', { for: id }, options.label),
    input,
    options.hint ? h('p', { id: hintId, class: 'hint' }, options.hint) : null,
    h('p', { id: `${id}-error`, class: 'field-error', hidden: true }),
  );
}

/** A form for a write: its heading names it, the browser leaves checking to the API. */
export function writeForm(
  id: string,
  title: string,
  submit: string,
  fields: Child[],
  onSubmit: (form: HTMLFormElement) => Promise<void>,
): HTMLFormElement {
  const headingId = `${id}-title`;
  const button = h('button', { type: 'submit' }, submit);
  const form = h(
    'form',
    { id, class: 'write', novalidate: true, 'aria-labelledby': headingId },
    h('h3', { id: headingId }, title),
    ...fields,
    h('div', { id: `${id}-alert`, class: 'form-error', role: 'alert' }),
    button,
  );
  // What the admin typed is theirs: a refresh shows the stored values in the other fields only.
  form.addEventListener('input', (event) => {
    (event.target as HTMLElement).dataset.edited = 'true';
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    button.disabled = true;
    onSubmit(form)
      .catch((error: unknown) => showErrors(form, error))
      .finally(() => (button.disabled = false));
  });
  return form;
}

export function clearErrors(form: HTMLFormElement): void {
  for (const error of form.querySelectorAll<HTMLElement>('.field-error')) {
    error.textContent = '';
    error.hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]'))
    input.removeAttribute('aria-invalid');
  form.querySelector(`#${form.id}-alert`)!.textContent = '';
}

/**
 * The API's messages begin with the property they concern ("discountPercentage must be ..."): such
 * a message goes next to that field; any other above the button, as an alert.
 */
export function showErrors(form: HTMLFormElement, error: unknown): void {
  const messages = error instanceof ApiError ? error.messages : [String(error)];
  const inputs = [...form.querySelectorAll<HTMLInputElement>('input[name], select[name]')];
  const general: string[] = [];
  let first: HTMLInputElement | undefined;
  for (const message of messages) {
    const input = inputs
      .filter(({ name }) => message.startsWith(`${name} `) || message.startsWith(`${name}.`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!input) {
      general.push(message);
      continue;
    }
    const holder = form.querySelector<HTMLElement>(`#${input.id}-error`)!;
    holder.textContent = holder.textContent ? `${holder.textContent} ${message}` : message;
    holder.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  form.querySelector(`#${form.id}-alert`)!.textContent = general.join(' ');
  first?.focus();
}

/** A text field's value, undefined when empty. */
export function text(form: HTMLFormElement, name: string): string | undefined {
  const value = (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  return value === '' ? undefined : value;
}

/** A number field's value: undefined when empty, else a number (NaN reaches the API's check). */
export function number(form: HTMLFormElement, name: string): number | undefined {
  const value = text(form, name);
  return value === undefined ? undefined : Number(value);
}

/** A repeat count: empty means unlimited (null). */
export const count = (form: HTMLFormElement, name: string) => number(form, name) ?? null;

export const checked = (form: HTMLFormElement, name: string) =>
  (form.elements.namedItem(name) as HTMLInputElement).checked;

/** Whether the admin changed this field since the form last showed what is stored. */
export const edited = (form: HTMLFormElement, name: string) =>
  (form.elements.namedItem(name) as HTMLInputElement).dataset.edited === 'true';

/**
 * Shows stored values in the fields the admin has not changed; `saved` (after a save) shows them in
 * every field, as none holds a change of its own any more.
 */
export function showStored(
  form: HTMLFormElement,
  values: Record<string, string>,
  saved = false,
): void {
  for (const [name, value] of Object.entries(values)) {
    const input = form.elements.namedItem(name) as HTMLInputElement;
    if (saved) delete input.dataset.edited;
    if (input.dataset.edited !== 'true') input.value = value;
  }
}
