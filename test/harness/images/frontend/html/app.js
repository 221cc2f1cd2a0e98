// Asks the backend (through the gateway) who is logged in, as the real SPA does on start.
fetch('/openmrs/ws/rest/v1/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  .then((r) => r.json())
  .then((s) => {
    document.getElementById('session').textContent =
      'Session: ' + (s.authenticated ? 'logged in as ' + s.user.username : 'not logged in');
  })
  .catch((e) => {
    document.getElementById('session').textContent = 'Session: backend unreachable (' + e + ')';
  });
