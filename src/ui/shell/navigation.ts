// Keyboard navigation of the shell as a pure reducer: every key press sees the state left by the
// previous one, even when keys arrive faster than React renders (pasted or scripted input).

export type Focus = 'profiles' | 'environments';

export interface NavState {
  focus: Focus;
  profileCursor: number;
  envCursor: number;
  /** The environment under the cursor: the cursor follows it when the list changes under it. */
  envName?: string;
  /** The profile whose details are shown. */
  selected?: string;
  showHelp: boolean;
}

export type NavAction =
  | { type: 'move'; by: number; profiles: readonly string[]; envCount: number; envNames?: readonly string[] }
  | { type: 'envsListed'; envNames: readonly string[] }
  | { type: 'select'; profiles: readonly string[] }
  | { type: 'start'; profile: string; profiles: readonly string[] }
  | { type: 'switchPanel' }
  | { type: 'toggleHelp' }
  | { type: 'closeHelp' };

export const initialNav: NavState = { focus: 'profiles', profileCursor: 0, envCursor: 0, showHelp: false };

const clamp = (value: number, length: number) => Math.max(0, Math.min(value, length - 1));

export function navigate(state: NavState, action: NavAction): NavState {
  switch (action.type) {
    case 'move':
      if (state.focus === 'profiles')
        return { ...state, profileCursor: clamp(state.profileCursor + action.by, action.profiles.length) };
      {
        const envCursor = clamp(state.envCursor + action.by, action.envCount);
        return { ...state, envCursor, envName: action.envNames?.[envCursor] };
      }
    case 'envsListed': {
      // Another environment came or went: stay on the one under the cursor, not on its row.
      const kept = state.envName === undefined ? -1 : action.envNames.indexOf(state.envName);
      const envCursor = kept >= 0 ? kept : clamp(state.envCursor, action.envNames.length);
      return { ...state, envCursor, envName: action.envNames[envCursor] };
    }
    case 'select': {
      const name = action.profiles[state.profileCursor];
      return state.focus === 'profiles' && name !== undefined ? { ...state, selected: name } : state;
    }
    case 'start':
      return {
        ...state,
        selected: action.profile,
        profileCursor: Math.max(0, action.profiles.indexOf(action.profile)),
      };
    case 'switchPanel':
      return { ...state, focus: state.focus === 'profiles' ? 'environments' : 'profiles' };
    case 'toggleHelp':
      return { ...state, showHelp: !state.showHelp };
    case 'closeHelp':
      return { ...state, showHelp: false };
  }
}
