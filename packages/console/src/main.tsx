import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n/index.ts';
import './styles.css';
import { Root } from './App.tsx';

createRoot(document.getElementById('root')!).render(<StrictMode><Root /></StrictMode>);
