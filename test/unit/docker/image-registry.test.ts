import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { imageRegistry, registryAllowed } from '../../../schedulers/docker/image-registry.js';

describe('image registry rules', () => {
  test('a reference without a registry component is on Docker Hub', () => {
    assert.equal(imageRegistry('alpine'), 'docker.io');
    assert.equal(imageRegistry('alpine:3'), 'docker.io');
    assert.equal(imageRegistry('local/app:1'), 'docker.io');
    assert.equal(imageRegistry('library/alpine@sha256:abc'), 'docker.io');
  });

  test('a first component with a dot, a colon or named localhost is the registry', () => {
    assert.equal(imageRegistry('localhost/app'), 'localhost');
    assert.equal(imageRegistry('127.0.0.1:5000/team/app:1'), '127.0.0.1:5000');
    assert.equal(imageRegistry('registry.example/app'), 'registry.example');
    assert.equal(imageRegistry('myhost:5000/app'), 'myhost:5000');
    assert.equal(imageRegistry('[::1]:5000/app'), '[::1]:5000');
    assert.equal(imageRegistry('index.docker.io/library/alpine'), 'docker.io');
  });

  test('an allowed host without a port allows that host on any port', () => {
    const allowed = ['localhost', '127.0.0.1', '[::1]'];
    assert.equal(registryAllowed('127.0.0.1:5000', allowed), true);
    assert.equal(registryAllowed('localhost', allowed), true);
    assert.equal(registryAllowed('[::1]:5000', allowed), true);
    assert.equal(registryAllowed('docker.io', allowed), false);
    assert.equal(registryAllowed('127.0.0.2:5000', allowed), false);
    assert.equal(registryAllowed('registry.example:5000', ['registry.example:6000']), false);
    assert.equal(registryAllowed('registry.example:5000', ['registry.example:5000']), true);
  });
});
