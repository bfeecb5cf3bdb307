/** The bundled templates, as text (validated like any opened file). */
const raw = import.meta.glob('../../templates/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;

export interface TemplateFile {
  file: string;
  text: string;
}

export const TEMPLATES: TemplateFile[] = Object.entries(raw)
  .map(([path, text]) => ({ file: path.split('/').pop() as string, text }))
  .sort((a, b) => a.file.localeCompare(b.file));

export const DEFAULT_TEMPLATE = 'dcgan.json';
