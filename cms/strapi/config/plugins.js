// People sign in with short-lived access tokens (10 minutes) and a refresh token that is
// rotated on use (POST /api/auth/refresh): a stolen access token is soon worthless.
module.exports = ({ env }) => ({
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET'),
      jwtManagement: 'refresh',
      sessions: {
        accessTokenLifespan: 10 * 60,
        maxRefreshTokenLifespan: 30 * 24 * 60 * 60,
        idleRefreshTokenLifespan: 14 * 24 * 60 * 60,
        maxSessionLifespan: 24 * 60 * 60,
        idleSessionLifespan: 2 * 60 * 60,
        httpOnly: false,
      },
    },
  },
});
