import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A simple "cycle" icon for the Lifecycle sidebar tab. It uses the
 * `jp-icon3` class so that it follows the JupyterLab theme colors.
 */
const lifecycleSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 4V1L8 5l4 4V6c3.31 0 6 2.69 6 6 0 1.01-.25 1.97-.7 2.8l1.46 1.46A7.93 7.93 0 0 0 20 12c0-4.42-3.58-8-8-8zm0 14c-3.31 0-6-2.69-6-6 0-1.01.25-1.97.7-2.8L5.24 7.74A7.93 7.93 0 0 0 4 12c0 4.42 3.58 8 8 8v3l4-4-4-4v3z"/>
</svg>`;

export const lifecycleIcon = new LabIcon({
  name: 'lifecycle-lab:lifecycle',
  svgstr: lifecycleSvg
});
