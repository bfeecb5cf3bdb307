/** The bundled templates, as text (validated like any opened file), with their titles and one line on each. */
const raw = import.meta.glob('../../templates/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<
  string,
  string
>;

export interface TemplateFile {
  file: string;
  text: string;
  /** The project's name. */
  title: string;
  /** The first sentence of the project's description. */
  summary: string;
}

/**
 * The first sentence of a text: up to the first ". " before a capital letter that does not end an
 * abbreviation ("et al.", "e.g."), or the first ": " outside parentheses, at most `max` characters.
 */
export function firstSentence(text: string, max = 160): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  const end = /(?<!\bal|\be\.g|\bi\.e|\bvs|\bFig)\.(?= [A-Z])/.exec(flat);
  let s = end ? flat.slice(0, end.index + 1) : flat;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (c === ':' && depth === 0 && s[i + 1] === ' ') {
      s = `${s.slice(0, i)}.`;
      break;
    }
  }
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

function described(file: string, text: string): TemplateFile {
  let title = file;
  let summary = '';
  try {
    const p = JSON.parse(text) as { name?: unknown; description?: unknown };
    if (typeof p.name === 'string') title = p.name;
    if (typeof p.description === 'string') summary = firstSentence(p.description);
  } catch {
    // an unreadable template still opens, with its errors
  }
  return { file, text, title, summary };
}

export const TEMPLATES: TemplateFile[] = Object.entries(raw)
  .map(([path, text]) => described(path.split('/').pop() as string, text))
  .sort((a, b) => a.file.localeCompare(b.file));

/** The template the page opens on: it trains the moment Start is pressed (bundled digits, no folder to choose). */
export const DEFAULT_TEMPLATE = 'dcgan-mnist.json';

/** "New project": an empty generator, discriminator and training graph, ready to wire. */
export const NEW_PROJECT: TemplateFile = described(
  'untitled.json',
  `${JSON.stringify(
    {
      format: 'ganvas/1',
      name: 'Untitled GAN',
      description: 'An empty generator, discriminator and training graph, ready to wire.',
      models: { generator: { nodes: [], edges: [] }, discriminator: { nodes: [], edges: [] } },
      training: { nodes: [], edges: [] },
    },
    null,
    2,
  )}\n`,
);
