// The dashboard's keyboard and action state as a pure reducer: every key sees the state the
// previous one left, even when keys arrive faster than React renders (scripted input in tmux).

export interface Notice {
  tone: 'info' | 'ok' | 'error';
  text: string;
}

export interface DashState {
  cursor: number;
  showLogs: boolean;
  /** Waiting for y/n before taking the environment down. */
  confirmDown: boolean;
  /** The action under way, e.g. "restarting backend-default"; other actions wait for it. */
  busy?: string;
  notice?: Notice;
  /** The environment was taken down from the dashboard: nothing left to act on. */
  down: boolean;
}

export type DashEvent =
  | { type: 'move'; by: number; count: number }
  | { type: 'toggleLogs' }
  | { type: 'askDown' }
  | { type: 'answer'; yes: boolean }
  | { type: 'started'; busy: string }
  | { type: 'finished'; notice: Notice; down?: boolean }
  | { type: 'notice'; notice: Notice };

/** The log pane starts hidden, so the steps and the services fit a small terminal; l shows it. */
export const initialDash: DashState = { cursor: 0, showLogs: false, confirmDown: false, down: false };

const clamp = (value: number, length: number) => Math.max(0, Math.min(value, length - 1));

export function dashReducer(state: DashState, event: DashEvent): DashState {
  switch (event.type) {
    case 'move':
      return { ...state, cursor: clamp(state.cursor + event.by, event.count) };
    case 'toggleLogs':
      return { ...state, showLogs: !state.showLogs };
    case 'askDown':
      return state.busy || state.down ? state : { ...state, confirmDown: true };
    case 'answer':
      return {
        ...state,
        confirmDown: false,
        ...(!event.yes && { notice: { tone: 'info', text: 'down cancelled' } }),
      };
    case 'started':
      return { ...state, busy: event.busy, notice: undefined };
    case 'finished':
      return { ...state, busy: undefined, notice: event.notice, down: state.down || event.down === true };
    case 'notice':
      return { ...state, notice: event.notice };
  }
}

export interface KeyHelp {
  keys: string;
  label: string;
}

export const DASHBOARD_KEYS: readonly KeyHelp[] = [
  { keys: '↑/↓', label: 'select' },
  { keys: 'l', label: 'logs' },
  { keys: 'r', label: 'restart' },
  { keys: 's', label: 'seed' },
  { keys: 'd', label: 'down' },
  { keys: 'o', label: 'open' },
  { keys: 'g', label: 'grafana' },
  { keys: 'q', label: 'quit (keeps it running)' },
];
