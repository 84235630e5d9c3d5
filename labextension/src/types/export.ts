/**
 * The formats a project exports to, and an exported file.
 */

export type ExportFormat = 'pdf' | 'md' | 'html' | 'json' | 'model-card';

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  'pdf',
  'md',
  'html',
  'json',
  'model-card'
];

export interface ExportFile {
  blob: Blob;
  filename: string;
}
