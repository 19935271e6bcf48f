/** Translates token records between the auth contract and the TokenService messages. */
import type { TokenInfo, TokenKind } from '../kernel/contracts/auth.js';
import type { Token, Token__Output } from './generated/gofer/v1/Token.js';
import type { TokenKind__Output } from './generated/gofer/v1/TokenKind.js';
import { enumFromWire, enumToWire } from './wire-enum.js';

export function tokenKindToWire(kind: TokenKind): TokenKind__Output {
  return enumToWire<TokenKind__Output>('TOKEN_KIND', kind);
}

/** Undefined for the unspecified kind. */
export function tokenKindFromWire(kind: string | number | undefined): TokenKind | undefined {
  return enumFromWire<TokenKind>('TOKEN_KIND', kind, 'lower');
}

export function tokenToWire(info: TokenInfo): Token {
  return {
    id: info.id,
    name: info.name,
    kind: tokenKindToWire(info.kind),
    namespaces: [...info.namespaces],
    metadata: { ...info.metadata },
    created: info.created,
    expires: info.expires,
    disabled: info.disabled,
    bootstrap: info.bootstrap,
  };
}

export function tokenFromWire(token: Token__Output): TokenInfo {
  return {
    id: token.id,
    name: token.name,
    kind: tokenKindFromWire(token.kind) ?? 'client',
    namespaces: [...token.namespaces],
    metadata: { ...token.metadata },
    created: token.created,
    expires: token.expires,
    disabled: token.disabled,
    bootstrap: token.bootstrap,
  };
}
