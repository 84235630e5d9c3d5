/**
 * The Lifecycle extension: small plugins that each wire one concern.
 *
 * - `sidebar`: the model, the executed-notebooks drive and the sidebar widget;
 * - `model`: provides `ILifecycleModel` to other plugins and extensions;
 * - `follow`: the sidebar follows the active notebook or the file browser's folder;
 * - `commands`: open, rerun, export and audit commands, and their palette entries;
 * - `settings`: applies the user's settings to the model;
 * - `status`: the progress and gate status in the status bar.
 */
import { commandsPlugin } from './plugins/commands';
import { followPlugin } from './plugins/follow';
import { settingsPlugin } from './plugins/settings';
import { modelPlugin, sidebarPlugin } from './plugins/sidebar';
import { statusPlugin } from './plugins/status';

export { CommandIDs } from './plugins/tokens';

export default [sidebarPlugin, modelPlugin, followPlugin, commandsPlugin, settingsPlugin, statusPlugin];
